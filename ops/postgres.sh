#!/usr/bin/env bash
# Starts the local PostgreSQL cluster and creates a throwaway database for `make test-pg`.
# Prints the database URL on stdout. `ops/postgres.sh drop NAME` drops it again.
set -euo pipefail
if [ "${1:-}" = drop ]; then
  port=$(pg_lsclusters -h | awk '$4=="online"{print $3; exit}')
  # --force ends sessions a killed test run left open, so throwaway databases never pile up.
  runuser -u postgres -- dropdb -p "${port:-5432}" --if-exists --force "$2" >/dev/null 2>&1 ||
    echo "could not drop database $2" >&2
  exit 0
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "online"; then
  pg_lsclusters -h | grep -q "^$ver main" || pg_createcluster "$ver" main >/dev/null
  pg_ctlcluster "$ver" main start >&2
fi
port=$(pg_lsclusters -h | awk '$4=="online"{print $3; exit}')
name="govmatrix_test_$$_$(date +%s)"
runuser -u postgres -- psql -q -p "$port" -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='govmatrix') THEN CREATE ROLE govmatrix LOGIN PASSWORD 'govmatrix' CREATEDB; END IF; END\$\$;" >&2
runuser -u postgres -- createdb -p "$port" -O govmatrix "$name"
echo "postgres://govmatrix:govmatrix@127.0.0.1:$port/$name"
