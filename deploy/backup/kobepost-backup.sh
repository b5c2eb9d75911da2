#!/usr/bin/env bash
# Nightly backup of KOBE ぽすと: the database (pg_dump custom format) and the uploaded
# files (MEDIA_ROOT), encrypted with age to the public keys in BACKUP_AGE_RECIPIENTS, in one
# timestamped directory with checksums:
#
#   $BACKUP_DIR/kobepost-YYYYMMDDTHHMMSS/
#     db.dump.age       pg_dump --format=custom, encrypted
#     media.tar.gz.age  every file of MEDIA_ROOT, encrypted
#     media.sha256.age  checksum of each media file (compared by restore-drill.sh), encrypted
#     rowcounts.tsv     row count of each table, from the same snapshot as db.dump
#     manifest.txt      host, times (ISO 8601 with offset), versions, recipients
#     SHA256SUMS        checksums of the files above (sha256sum -c SHA256SUMS, no key needed)
#
# Nothing personal is ever written unencrypted: pg_dump and tar write into age. Only the
# holders of the private key (kept off this server, deploy/README.md) can read a backup.
# Backups older than BACKUP_KEEP_DAYS are deleted; the newest one is always kept. With
# BACKUP_COPY_TO the new backup is then copied off the host (rsync); a failed copy fails
# the run, so monitoring sees it.
# Usage: kobepost-backup.sh [--env-file /etc/kobepost/kobepost.env]
# Needs: DATABASE_URL, MEDIA_ROOT, age; optional BACKUP_DIR (/var/backups/kobepost),
#        BACKUP_KEEP_DAYS (14), BACKUP_AGE_RECIPIENTS (/etc/kobepost/backup-recipients.txt),
#        BACKUP_COPY_TO (an rsync destination, e.g. kobepost@backup.city.example:/srv/kobepost/).
#        This is the nightly safety net; for point-in-time recovery set up WAL archiving as
#        well (deploy/README.md).
set -Eeuo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"

while (($#)); do
  case $1 in
    --env-file) read_env_file "$2"; shift 2 ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:=${VAR_DIR:-/var/lib/kobepost}/media}"
: "${BACKUP_DIR:=/var/backups/kobepost}"
: "${BACKUP_KEEP_DAYS:=14}"
: "${BACKUP_AGE_RECIPIENTS:=/etc/kobepost/backup-recipients.txt}"
[[ $BACKUP_KEEP_DAYS =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a number"
[[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] \
  || die "DATABASE_URL is not a PostgreSQL URL"
[[ -d $MEDIA_ROOT ]] || die "MEDIA_ROOT $MEDIA_ROOT does not exist"
command -v age >/dev/null || die "age is not installed (apt-get install age)"
[[ -r $BACKUP_AGE_RECIPIENTS ]] && grep -q '^age1' "$BACKUP_AGE_RECIPIENTS" \
  || die "no age public key in $BACKUP_AGE_RECIPIENTS: backups are encrypted (deploy/README.md)"
encrypt() { age --encrypt --recipients-file "$BACKUP_AGE_RECIPIENTS" --output "$1"; }

# Owner and group may read (the directory's group is the restore drill's account,
# deploy/README.md); the files are encrypted anyway.
umask 027
mkdir -p "$BACKUP_DIR"
name="kobepost-$(TZ=Asia/Tokyo date '+%Y%m%dT%H%M%S')"  # Japan time, like the logs
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
snapshot_at="$(now_iso)"
pg_dump --format=custom --compress=6 --snapshot="$snapshot" --dbname="$DATABASE_URL" \
  | encrypt "$partial/db.dump.age"
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
media_listed_at="$(now_iso)"
file_list "$MEDIA_ROOT" >"$partial/media.list"
(cd "$MEDIA_ROOT" && xargs -0 -r sha256sum <"$partial/media.list") | encrypt "$partial/media.sha256.age"
media_files="$(tr -cd '\0' <"$partial/media.list" | wc -c)"
tar --create --gzip --file=- --directory="$MEDIA_ROOT" \
  --no-recursion --null --files-from="$partial/media.list" | encrypt "$partial/media.tar.gz.age"
rm "$partial/media.list"

{
  echo "name=$name"
  echo "host=$(hostname)"
  echo "snapshot_at=$snapshot_at"
  echo "media_listed_at=$media_listed_at"
  echo "created=$(now_iso)"
  echo "pg_dump=$(pg_dump --version)"
  echo "age=$(age --version)"
  echo "tables=$(wc -l <"$partial/rowcounts.tsv")"
  echo "media_files=$media_files"
  grep '^age1' "$BACKUP_AGE_RECIPIENTS" | sed 's/^/recipient=/'
} >"$partial/manifest.txt"
(cd "$partial" && sha256sum "${BACKUP_FILES[@]}" >SHA256SUMS)
mv "$partial" "$BACKUP_DIR/$name"

# Retention: delete old backups (never the newest) and leftovers of failed runs.
newest="$(find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -printf '%f\n' | LC_ALL=C sort | tail -n 1)"
find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -mtime "+$BACKUP_KEEP_DAYS" \
  ! -name "$newest" -print0 | xargs -0 -r rm -rf
find "$BACKUP_DIR" -maxdepth 1 -type d -name '.partial-*' -mtime +1 -print0 | xargs -0 -r rm -rf
say "backup $name: done ($(du -sh "$BACKUP_DIR/$name" | cut -f1))"
if [[ -n ${BACKUP_COPY_TO:-} ]]; then
  # Another building: the copy is encrypted like the original; the key is in neither place.
  say "backup $name: copying to $BACKUP_COPY_TO"
  rsync --archive --partial --chmod=D2750,F0640 "$BACKUP_DIR/$name" "$BACKUP_COPY_TO" \
    || die "the copy to $BACKUP_COPY_TO failed (the local backup $name is complete)"
  say "backup $name: copied to $BACKUP_COPY_TO"
fi
echo "$BACKUP_DIR/$name"
