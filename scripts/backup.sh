#!/usr/bin/env bash
# Back up the PostgreSQL database named by DATABASE_URL into a custom-format dump.
# Usage: DATABASE_URL=postgres://... scripts/backup.sh [FILE]   (default: backups/bhxh-<time>.dump)
set -euo pipefail
url=${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}
case "$url" in postgres://*|postgresql://*) ;; *) echo "backup: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac
file=${1:-backups/bhxh-$(date +%Y%m%d-%H%M%S).dump}
mkdir -p "$(dirname "$file")"
pg_dump --format=custom --no-owner --file="$file" "$url"
echo "$file"
