#!/usr/bin/env bash
# Starts a local Redis on the port of APP_REDIS_URL (default 6379) unless one already answers.
# Its pid and log live under var/, so `ops/redis.sh stop` stops only what we started.
set -euo pipefail
cd "$(dirname "$0")/.."
url=${APP_REDIS_URL:-${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}}
hostport=${url#*://}; hostport=${hostport%%/*}; hostport=${hostport##*@}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=6379   # redis://host/0 means the default port
mkdir -p var
if [ "${1:-start}" = stop ]; then
  [ -f var/redis.pid ] && kill "$(cat var/redis.pid)" 2>/dev/null || true
  rm -f var/redis.pid
  exit 0
fi
if redis-cli -p "$port" ping >/dev/null 2>&1; then
  exit 0
fi
echo "==> starting Redis on 127.0.0.1:$port"
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
  --pidfile "$PWD/var/redis.pid" --logfile "$PWD/var/redis.log" --dir "$PWD/var"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && exit 0; sleep 0.1; done
echo "Redis did not start; see var/redis.log" >&2
exit 1
