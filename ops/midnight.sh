#!/usr/bin/env bash
# Runs a command with the clock set to a few minutes before midnight in Asia/Shanghai (23:57
# by default, or the HH:MM given in MIDNIGHT_AT), so whatever it runs crosses the county's
# date line: `ops/midnight.sh .venv/bin/pytest -q`. Uses libfaketime (Debian's `faketime`)
# with an offset, not a fixed start, so every process started meanwhile (the server, the
# sandbox, CLI commands under test) sees the same clock, running at normal speed.
set -euo pipefail
at=${MIDNIGHT_AT:-23:57}
command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime" >&2; exit 1; }
now=$(date +%s)
target=$(TZ=Asia/Shanghai date -d "today $at:00" +%s)
[ "$target" -gt "$now" ] || target=$(TZ=Asia/Shanghai date -d "tomorrow $at:00" +%s)
echo "==> clock set to $(TZ=Asia/Shanghai date -d "@$target" '+%F %T') Asia/Shanghai" >&2
# Monotonic clocks are shifted by the same constant, which changes no interval (leaving them
# alone with FAKETIME_DONT_FAKE_MONOTONIC makes libfaketime 0.9.10 fail Python's time.sleep
# with EINVAL).
exec faketime -f "+$((target - now))s" "$@"
