#!/bin/sh
# Back up the PostgreSQL database that DATABASE_URL names, with pg_dump's custom format
# (compressed; pg_restore can restore it whole or in part, in parallel).
#
#   deploy/pg_backup.sh                 one backup into BACKUP_DIR now; prints its path
#   deploy/pg_backup.sh --every 86400   one now and then one every 86400 seconds (the compose
#                                       service `backup`)
#   deploy/pg_backup.sh --check         exit 1 unless the newest backup is younger than
#                                       BACKUP_MAX_AGE_HOURS (its health check)
#
# BACKUP_DIR (default ./backups) holds files named apicenter-<UTC time>.dump; after each
# backup, those older than BACKUP_KEEP_DAYS (default 14) are deleted. deploy/pg_restore.sh
# restores one.
set -eu

BACKUP_DIR=${BACKUP_DIR:-./backups}
KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
MAX_AGE_HOURS=${BACKUP_MAX_AGE_HOURS:-26}

backup_once() {
  : "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
  mkdir -p "$BACKUP_DIR"
  target="$BACKUP_DIR/apicenter-$(date -u +%Y%m%dT%H%M%SZ).dump"
  # Written under another name first: a dump cut short is never taken for the newest backup.
  pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$target.partial"
  mv "$target.partial" "$target"
  find "$BACKUP_DIR" -name 'apicenter-*.dump' -mtime +"$KEEP_DAYS" -delete
  echo "$target"
}

check_fresh() {
  newest=$(find "$BACKUP_DIR" -name 'apicenter-*.dump' -mmin -"$((MAX_AGE_HOURS * 60))" | sort | tail -n 1)
  if [ -z "$newest" ]; then
    echo "no backup younger than $MAX_AGE_HOURS hours in $BACKUP_DIR" >&2
    exit 1
  fi
  echo "newest backup: $newest"
}

case "${1:-}" in
  "") backup_once ;;
  --check) check_fresh ;;
  --every)
    interval=${2:?--every needs a number of seconds}
    while true; do
      backup_once
      sleep "$interval"
    done
    ;;
  *)
    echo "usage: $0 [--every SECONDS | --check]" >&2
    exit 2
    ;;
esac
