#!/usr/bin/env bash
# Restore DRILL: proves that the latest backup can really be restored. It restores it into
# a scratch database and directory (production is not touched), then compares
#   - the row count of every table with rowcounts.tsv (recorded at backup time), and
#   - the checksum of every media file with media.sha256,
# and exits non-zero on any difference. Run it monthly (and after changing the backup set-up);
# keep its output as the record of the drill.
#
# Usage: restore-drill.sh [--env-file FILE] [--backup-dir DIR] [--admin-url URL] [--keep]
#   --backup-dir  where the backups are (default BACKUP_DIR or /var/backups/kobepost)
#   --admin-url   a database URL allowed to CREATE/DROP DATABASE (default: DATABASE_URL with
#                 the database "postgres"); the scratch database is kobepost_drill_<pid>
#   --keep        keep the scratch database and files for inspection
set -Eeuo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"
here="$(dirname "$(readlink -f "$0")")"

admin_url="" keep=0
while (($#)); do
  case $1 in
    --env-file) read_env_file "$2"; shift 2 ;;
    --backup-dir) BACKUP_DIR=$2; shift 2 ;;
    --admin-url) admin_url=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
: "${BACKUP_DIR:=/var/backups/kobepost}"
if [[ -z $admin_url ]]; then
  : "${DATABASE_URL:?give --admin-url or DATABASE_URL}"
  admin_url="$(url_with_database "$DATABASE_URL" postgres)"
fi

latest="$(find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -printf '%f\n' | LC_ALL=C sort | tail -n 1)"
[[ -n $latest ]] || die "no backup in $BACKUP_DIR"
backup="$BACKUP_DIR/$latest"
scratch_db="kobepost_drill_$$"
scratch_url="$(url_with_database "$admin_url" "$scratch_db")"
work="$(mktemp -d "${TMPDIR:-/tmp}/kobepost-drill.XXXXXX")"
created=0
cleanup() {
  local status=$?
  if ((keep)); then
    say "drill: kept database $scratch_db and $work"
  else
    ((created)) && psql -X -q --dbname="$admin_url" \
      -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
  fi
  if ((status == 0)); then say "drill PASSED: $backup"; else say "drill FAILED: $backup" >&2; fi
  exit "$status"
}
trap cleanup EXIT

say "drill: backup $backup → scratch database $scratch_db"
psql -X -q -v ON_ERROR_STOP=1 --dbname="$admin_url" \
  -c "CREATE DATABASE $scratch_db TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
created=1
"$here/kobepost-restore.sh" "$backup" --database-url "$scratch_url" --media-dir "$work/media"

failed=0
row_counts "$scratch_url" >"$work/rowcounts.restored"
if ! diff -u "$backup/rowcounts.tsv" "$work/rowcounts.restored" >"$work/rowcounts.diff"; then
  say "drill: ROW COUNTS DIFFER (- at backup time, + restored):" >&2
  cat "$work/rowcounts.diff" >&2
  failed=1
else
  say "drill: row counts of $(wc -l <"$work/rowcounts.restored") tables match"
fi
file_checksums "$work/media" >"$work/media.restored"
if ! diff -u "$backup/media.sha256" "$work/media.restored" >"$work/media.diff"; then
  say "drill: MEDIA FILES DIFFER (- at backup time, + restored):" >&2
  cat "$work/media.diff" >&2
  failed=1
else
  say "drill: checksums of $(wc -l <"$work/media.restored") media files match"
fi
exit "$failed"
