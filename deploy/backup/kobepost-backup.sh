#!/usr/bin/env bash
# Nightly backup of KOBE ぽすと: the database (pg_dump custom format) and the uploaded
# files (MEDIA_ROOT), in one timestamped directory with checksums:
#
#   $BACKUP_DIR/kobepost-YYYYMMDDTHHMMSS/
#     db.dump        pg_dump --format=custom
#     media.tar.gz   every file of MEDIA_ROOT
#     media.sha256   checksum of each media file (compared by restore-drill.sh)
#     rowcounts.tsv  row count of each table, from the same snapshot as db.dump
#     manifest.txt   host, time, versions
#     SHA256SUMS     checksums of the files above (sha256sum -c SHA256SUMS)
#
# Backups older than BACKUP_KEEP_DAYS are deleted; the newest one is always kept.
# Usage: kobepost-backup.sh [--env-file /etc/kobepost/kobepost.env]
# Needs: DATABASE_URL, MEDIA_ROOT; optional BACKUP_DIR (/var/backups/kobepost),
#        BACKUP_KEEP_DAYS (14). This is the nightly safety net; for point-in-time recovery
#        set up WAL archiving as well (deploy/README.md).
set -Eeuo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"

while (($#)); do
  case $1 in
    --env-file) read_env_file "$2"; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:=${VAR_DIR:-/var/lib/kobepost}/media}"
: "${BACKUP_DIR:=/var/backups/kobepost}"
: "${BACKUP_KEEP_DAYS:=14}"
[[ $BACKUP_KEEP_DAYS =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a number"
[[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] \
  || die "DATABASE_URL is not a PostgreSQL URL"
[[ -d $MEDIA_ROOT ]] || die "MEDIA_ROOT $MEDIA_ROOT does not exist"

umask 077
mkdir -p "$BACKUP_DIR"
name="kobepost-$(date '+%Y%m%dT%H%M%S')"
partial="$BACKUP_DIR/.partial-$name"
mkdir "$partial"
psql_pid=""
cleanup() {
  local status=$?
  [[ -n $psql_pid ]] && kill "$psql_pid" 2>/dev/null
  ((status == 0)) || { rm -rf "$partial"; say "backup FAILED" >&2; }
  exit "$status"
}
trap cleanup EXIT
say "backup $name: database"

# One repeatable-read transaction stays open while pg_dump runs with its exported
# snapshot, so the recorded row counts describe exactly the dumped data.
coproc PSQL { psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$DATABASE_URL" 2>&1; }
# Bash unsets PSQL_PID as soon as the coprocess exits, so keep our own copy.
psql_pid=$PSQL_PID
printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" \
  "SELECT pg_export_snapshot();" >&"${PSQL[1]}"
IFS= read -r -t 60 snapshot <&"${PSQL[0]}" || die "psql did not answer"
[[ $snapshot =~ ^[0-9A-F-]+$ ]] || die "could not export a snapshot: $snapshot"
pg_dump --format=custom --compress=6 --snapshot="$snapshot" --file="$partial/db.dump" \
  --dbname="$DATABASE_URL"
printf '%s\n' "$ROW_COUNT_SQL" '\echo __END__' >&"${PSQL[1]}"
: >"$partial/rowcounts.unsorted"
while IFS= read -r -t 600 line <&"${PSQL[0]}"; do
  [[ $line == __END__ ]] && break
  [[ $line == *$'\t'* ]] || die "row count query failed: $line"
  printf '%s\n' "$line" >>"$partial/rowcounts.unsorted"
done
printf '%s\n' "COMMIT;" '\q' >&"${PSQL[1]}"
wait "$psql_pid" 2>/dev/null || true
psql_pid=""
LC_ALL=C sort "$partial/rowcounts.unsorted" >"$partial/rowcounts.tsv"
rm "$partial/rowcounts.unsorted"
[[ -s $partial/rowcounts.tsv ]] || die "no tables found in the database"

say "backup $name: media files from $MEDIA_ROOT"
# Checksums and archive from one file list: a photo uploaded meanwhile is in neither.
file_list "$MEDIA_ROOT" >"$partial/media.list"
(cd "$MEDIA_ROOT" && xargs -0 -r sha256sum <"$partial/media.list") >"$partial/media.sha256"
tar --create --gzip --file="$partial/media.tar.gz" --directory="$MEDIA_ROOT" \
  --no-recursion --null --files-from="$partial/media.list"
rm "$partial/media.list"

{
  echo "name=$name"
  echo "host=$(hostname)"
  echo "created=$(date --iso-8601=seconds)"
  echo "pg_dump=$(pg_dump --version)"
  echo "tables=$(wc -l <"$partial/rowcounts.tsv")"
  echo "media_files=$(wc -l <"$partial/media.sha256")"
} >"$partial/manifest.txt"
(cd "$partial" && sha256sum db.dump media.tar.gz media.sha256 rowcounts.tsv manifest.txt >SHA256SUMS)
mv "$partial" "$BACKUP_DIR/$name"

# Retention: delete old backups (never the newest) and leftovers of failed runs.
newest="$(find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -printf '%f\n' | LC_ALL=C sort | tail -n 1)"
find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -mtime "+$BACKUP_KEEP_DAYS" \
  ! -name "$newest" -print0 | xargs -0 -r rm -rf
find "$BACKUP_DIR" -maxdepth 1 -type d -name '.partial-*' -mtime +1 -print0 | xargs -0 -r rm -rf
say "backup $name: done ($(du -sh "$BACKUP_DIR/$name" | cut -f1))"
echo "$BACKUP_DIR/$name"
