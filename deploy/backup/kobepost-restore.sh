#!/usr/bin/env bash
# Restores one backup made by kobepost-backup.sh into a given database and media directory.
#
# Usage: kobepost-restore.sh BACKUP_DIR --database-url URL --media-dir DIR --identity KEY
#                            [--force] [--app-role ROLE]
#   BACKUP_DIR  e.g. /var/backups/kobepost/kobepost-20261126T023000
#   URL         an existing, empty database (createdb -T template0 -E UTF8 NAME); in
#               production the owner role's URL (MIGRATE_DATABASE_URL): the restored
#               tables belong to whoever restores them
#   DIR         where the uploaded files go (normally MEDIA_ROOT)
#   KEY         the age identity (private key) file of a recipient of the backup; "-" reads
#               it from standard input, so it need not be readable by the account running
#               this (sudo -u … kobepost-restore.sh … --identity - < /media/key/kobepost.key).
#               It is decrypted straight into pg_restore and tar: no plain copy on disk.
#   --force     restore over a database that has tables (its objects are dropped first)
#               and replace a non-empty media directory (the old one is kept as DIR.old-*)
#   --app-role  afterwards give ROLE (the service's role, kobepost) its privileges again
#               (deploy/db/grants.sql): the dump carries no privileges
# Stop kobepost-web, -worker and -beat before restoring the production database.
set -Eeuo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"

backup="" target_url="" media_dir="" force=0 app_role="" identity=""
while (($#)); do
  case $1 in
    --database-url) target_url=$2; shift 2 ;;
    --media-dir) media_dir=$2; shift 2 ;;
    --identity) identity=$2; shift 2 ;;
    --force) force=1; shift ;;
    --app-role) app_role=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z $backup ]] || die "only one backup directory"; backup=$1; shift ;;
  esac
done
[[ -n $backup && -n $target_url && -n $media_dir && -n $identity ]] \
  || die "usage: kobepost-restore.sh BACKUP_DIR --database-url URL --media-dir DIR --identity KEY [--force]"
[[ -f $backup/SHA256SUMS ]] || die "$backup is not a backup (no SHA256SUMS)"
[[ -f $backup/db.dump.age ]] || die "$backup is not an encrypted backup (no db.dump.age)"

say "restore: checking the backup's checksums"
(cd "$backup" && sha256sum --quiet --strict -c SHA256SUMS) || die "backup $backup is damaged"
load_identity "$identity"
check_identity "$backup/media.sha256.age"

tables="$(psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$target_url" -c \
  "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')")"
clean=()
if ((tables > 0)); then
  ((force)) || die "the target database has $tables tables; use --force to replace them"
  clean=(--clean --if-exists)
fi
say "restore: database"
decrypt "$backup/db.dump.age" \
  | pg_restore --exit-on-error --single-transaction --no-owner --no-privileges "${clean[@]}" \
    --dbname="$target_url"
if [[ -n $app_role ]]; then
  say "restore: privileges of $app_role"
  psql -X -q -v ON_ERROR_STOP=1 -v app="$app_role" --dbname="$target_url" \
    -f "$(dirname "$(readlink -f "$0")")/../db/grants.sql"
fi

say "restore: media files into $media_dir"
if [[ -d $media_dir ]] && [[ -n "$(ls -A "$media_dir")" ]]; then
  ((force)) || die "$media_dir is not empty; use --force to replace it"
  staging="$media_dir.restore-$$"
  mkdir -p "$staging"
  decrypt "$backup/media.tar.gz.age" | tar --extract --gzip --file=- --directory="$staging"
  mv "$media_dir" "$media_dir.old-$(date '+%Y%m%dT%H%M%S')"
  mv "$staging" "$media_dir"
else
  mkdir -p "$media_dir"
  decrypt "$backup/media.tar.gz.age" | tar --extract --gzip --file=- --directory="$media_dir"
fi
say "restore: done from $backup"
