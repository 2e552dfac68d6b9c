#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into the database named by DATABASE_URL, replacing
# what is there. Usage: DATABASE_URL=postgres://... scripts/restore.sh FILE
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to restore into}
file=${1:?usage: restore.sh FILE}
[ -f "$file" ] || { echo "restore: no file $file" >&2; exit 2; }
pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$url" "$file"
echo "restored $file"
