#!/usr/bin/env bash
# Installs what govmatrix needs on a fresh Debian machine: Debian packages (as root or with
# sudo; otherwise prints the exact command and stops), the .venv, and the console's front-end
# files from npm. Safe to run again: it only installs what is missing.
#   ops/setup.sh            what `make dev` needs
#   ops/setup.sh test       plus Chromium for the console tests, wrk for benchmarks, faketime
#   ops/setup.sh pg         plus PostgreSQL for `make test-pg`
set -euo pipefail
cd "$(dirname "$0")/.."

want=(redis-server espeak-ng ffmpeg fonts-wqy-microhei curl)
# Tools a minimal Debian image lacks: Python with venv, Node's npm (for the console's files
# and the mini-program tests). A Node installed from elsewhere (NodeSource) is kept.
command -v python3.11 >/dev/null || command -v python3 >/dev/null || want+=(python3)
if ! { command -v python3.11 >/dev/null && python3.11 -c 'import ensurepip, venv' 2>/dev/null; } &&
   ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  want+=(python3-venv)
fi
command -v npm >/dev/null || want+=(nodejs npm)
for extra in "$@"; do
  case "$extra" in
    test) want+=(chromium wrk faketime) ;;
    pg) want+=(postgresql) ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt_cmd=(apt-get)
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    apt_cmd=(sudo apt-get)
  else
    echo "govmatrix needs these Debian packages: ${missing[*]}"
    echo "Install them, then run make again:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  echo "==> installing Debian packages: ${missing[*]}"
  "${apt_cmd[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt_cmd[@]}" install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import gateway, sanic, tortoise, wechatpy" 
  touch "$stamp"
fi

vendor=gateway/console/static/vendor
if [ ! -f "$vendor/.installed" ] || [ package.json -nt "$vendor/.installed" ]; then
  if command -v npm >/dev/null; then
    echo "==> installing console front-end files from npm"
    # `npm ci` installs exactly what package-lock.json records.
    npm ci --no-audit --no-fund --silent >/dev/null
    mkdir -p "$vendor/swagger-ui"
    cp node_modules/htmx.org/dist/htmx.min.js "$vendor/"
    cp node_modules/chart.js/dist/chart.umd.js "$vendor/chart.umd.js"
    # /docs serves Swagger UI from here: county networks are often closed to CDNs.
    for f in swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js; do
      cp "node_modules/swagger-ui-dist/$f" "$vendor/swagger-ui/${f%.*}.min.${f##*.}"
    done
    touch "$vendor/.installed"
  else
    echo "npm is missing: install Node.js 18 or later (apt-get install nodejs npm) for the console's files"
    exit 1
  fi
fi
