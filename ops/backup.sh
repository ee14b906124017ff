#!/usr/bin/env bash
# Nightly backup: a pg_dump of the database plus an archive of the media directory, rotated.
#   ops/backup.sh                 uses APP_DATABASE_URL / APP_MEDIA_DIR (from /etc/govmatrix/env
#                                 or .env when not in the environment)
#   BACKUP_DIR=/srv/backup KEEP_DAYS=30 ops/backup.sh
# cron: 30 2 * * * govmatrix /opt/govmatrix/ops/backup.sh >> /var/log/govmatrix-backup.log 2>&1
# Restore: see docs/operations.md ("Backups").
set -euo pipefail
cd "$(dirname "$0")/.."

load_env() {
  # Only APP_* lines: the file is configuration, not a script.
  [ -f "$1" ] || return 0
  while IFS='=' read -r key value; do
    case "$key" in APP_*) [ -z "${!key:-}" ] && export "$key=$value" ;; esac
  done < <(grep -E '^APP_[A-Z_]+=' "$1")
}
load_env /etc/govmatrix/env
load_env .env

BACKUP_DIR=${BACKUP_DIR:-/var/backups/govmatrix}
KEEP_DAYS=${KEEP_DAYS:-14}
db_url=${APP_DATABASE_URL:-sqlite://var/govmatrix.sqlite3}
media_dir=${APP_MEDIA_DIR:-var/media}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"
umask 077   # dumps hold personal data

case "$db_url" in
  postgres://*|postgresql://*)
    url=${db_url/#postgres:\/\//postgresql://}
    out="$BACKUP_DIR/db-$stamp.dump"
    # Custom format: compressed, restorable table by table with pg_restore.
    pg_dump --format=custom --no-owner --dbname="$url" --file="$out.partial"
    mv "$out.partial" "$out"
    ;;
  sqlite://*)
    path=${db_url#sqlite://}; path=${path%%\?*}
    out="$BACKUP_DIR/db-$stamp.sqlite3"
    # The online backup API gives a consistent copy while the service writes (WAL mode).
    python3 -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close()' \
      "$path" "$out.partial"
    gzip -f "$out.partial" && mv "$out.partial.gz" "$out.gz"
    out="$out.gz"
    ;;
  *) echo "unsupported APP_DATABASE_URL: $db_url" >&2; exit 1 ;;
esac
echo "database -> $out ($(du -h "$out" | cut -f1))"

if [ -d "$media_dir" ]; then
  media_out="$BACKUP_DIR/media-$stamp.tar.gz"
  tar -czf "$media_out.partial" -C "$(dirname "$media_dir")" "$(basename "$media_dir")"
  mv "$media_out.partial" "$media_out"
  echo "media    -> $media_out ($(du -h "$media_out" | cut -f1))"
fi

# Rotation: keep KEEP_DAYS days, but never delete the newest backup of each kind.
for kind in db media; do
  newest=$(ls -1t "$BACKUP_DIR/$kind-"* 2>/dev/null | head -1 || true)
  find "$BACKUP_DIR" -maxdepth 1 -name "$kind-*" -type f -mtime +"$KEEP_DAYS" \
    ! -path "$newest" -print -delete | sed 's/^/removed  /'
done
