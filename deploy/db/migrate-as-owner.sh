#!/usr/bin/env bash
# Migrations as the owner role, then the runtime role's grants again (grants.sql).
#
# Usage: migrate-as-owner.sh [arguments of manage.py migrate]
# Env:   MIGRATE_DATABASE_URL  the owner's URL, e.g. postgres://kobepost_owner:…@127.0.0.1:5432/kobepost
#        APP_DB_ROLE           the runtime role (default kobepost), the user of DATABASE_URL
#        PYTHON                default: the .venv next to this checkout
#        and the application's settings (the env file), as for any manage.py command.
# In production run it through deploy/kobepost-migrate, which reads the owner's URL from
# /etc/kobepost/migrate.env. The runtime role cannot migrate at all (it may not create
# tables), so a plain "manage.py migrate" as the service fails instead of leaving tables
# it would own.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
: "${MIGRATE_DATABASE_URL:?is not set (the database URL of the owner role)}"
APP_DB_ROLE="${APP_DB_ROLE:-kobepost}"
[[ $MIGRATE_DATABASE_URL == postgres://* || $MIGRATE_DATABASE_URL == postgresql://* ]] \
  || { echo "migrate-as-owner.sh: MIGRATE_DATABASE_URL is not a PostgreSQL URL" >&2; exit 2; }

DATABASE_URL="$MIGRATE_DATABASE_URL" "$PYTHON" "$ROOT/manage.py" migrate --noinput "$@"
psql -X -q -v ON_ERROR_STOP=1 -v app="$APP_DB_ROLE" --dbname="$MIGRATE_DATABASE_URL" \
  -f "$ROOT/deploy/db/grants.sql"
echo "migrate-as-owner.sh: migrated; grants for $APP_DB_ROLE applied"
