#!/usr/bin/env bash
# `make dev`: the whole system on this machine. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export APP_ENV=${APP_ENV:-development}
BIN=.venv/bin

started_redis=0
[ -f var/redis.pid ] || started_redis=1
ops/redis.sh start
[ -f var/redis.pid ] || started_redis=0

echo "==> applying migrations"
$BIN/govmatrix migrate
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "==> stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$started_redis" = 1 ] && ops/redis.sh stop
  exit 0
}
trap cleanup INT TERM EXIT

# The sandbox first: loading the demo county registers its accounts there, as an admin
# would paste callback settings into WeChat's platform.
$BIN/govmatrix sandbox --port 8001 &
pids+=($!)
for _ in $(seq 100); do
  curl -fs http://127.0.0.1:8001/sandbox/calls >/dev/null 2>&1 && break
  sleep 0.2
done
echo "==> loading the demo county"
$BIN/govmatrix seed-demo
$BIN/govmatrix serve --port 8000 --dev &
pids+=($!)

for _ in $(seq 100); do
  curl -fs http://127.0.0.1:8000/healthz >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<'MSG'

  govmatrix is running
    app and API     http://127.0.0.1:8000          (OpenAPI: http://127.0.0.1:8000/docs)
    console         http://127.0.0.1:8000/console/login
    WeChat sandbox  http://127.0.0.1:8001/sandbox/
    health          http://127.0.0.1:8000/healthz

  demo staff logins (password for all: Mengcheng@2026)
    admin      管理员          editor     编辑
    reviewer   审核员          dept_edu   县教育局工作人员
    village_01 村级工作人员

  Ctrl-C stops everything.
MSG
wait
