#!/bin/sh
# Restore a backup made by deploy/pg_backup.sh into the database that DATABASE_URL names.
#
#   DATABASE_URL=postgres://... deploy/pg_restore.sh backups/apicenter-20260101T030000Z.dump
#
# Stop web, workers and beat first (docs/operations.md). The database must exist; whatever
# of the platform's tables it holds is dropped and recreated from the backup. It runs in one
# transaction: either the whole backup is restored or nothing changes.
set -eu

dump=${1:?usage: $0 BACKUP_FILE}
: "${DATABASE_URL:?DATABASE_URL must name the database to restore into}"
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
  --dbname="$DATABASE_URL" "$dump"
echo "restored $dump"
