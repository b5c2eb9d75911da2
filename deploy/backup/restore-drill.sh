#!/usr/bin/env bash
# Restore DRILL: proves, and times, that the latest backup can really be restored and the
# application run on it. Production is not touched: it restores into a scratch database
# and directory, then
#   - compares the row count of every table with rowcounts.tsv (recorded at backup time)
#     and the checksum of every media file with media.sha256,
#   - runs the application on the copy: manage.py check and migrate, a sample of cases,
#     photos and audit rows (manage.py restore_check), and gunicorn (deploy/gunicorn.conf.py)
#     answering /health/,
#   - prints the time it all took (RTO) and the age of the newest restored change (RPO)
#     against the targets in deploy/README.md, and exits non-zero on any difference or a
#     missed RTO target.
# With --wal-archive and --base-backups it then does the same for a point-in-time recovery:
# the newest base backup replayed with the WAL archive in a temporary PostgreSQL server, to
# the end of the archive or, with --recovery-target-time, to that moment (as a real
# recovery "just before the mistake" does, deploy/README.md).
# Run it monthly (and after changing the backup set-up); keep its output as the record.
#
# Usage (as the postgres account, deploy/README.md 復元訓練):
#   restore-drill.sh --identity KEY [--backup-dir DIR] [--admin-url URL] [--rto-target MIN]
#                    [--wal-archive DIR --base-backups DIR [--database NAME]
#                     [--recovery-target-time TIME]] [--keep]
#   --identity     the age private key file of a recipient; "-" reads it from standard input
#                  (sudo -u postgres … --identity - < /media/key/kobepost-backup.key)
#   --backup-dir   where the backups are (default BACKUP_DIR or /var/backups/kobepost)
#   --admin-url    a database URL allowed to CREATE/DROP DATABASE (default postgres:///postgres,
#                  the postgres account over the local socket); scratch database
#                  kobepost_drill_<pid>
#   --rto-target   minutes the whole drill may take (default 30)
#   --wal-archive  the WAL archive (archive_command's directory, files NAME.age)
#   --base-backups the directory of the nightly base backups (one directory each, holding
#                  base.tar.gz.age); --database: the application's database in them
#   --recovery-target-time  replay the WAL only up to TIME (e.g. "2026-11-26 10:41:59";
#                  Japan time unless it has an offset); the drill fails if a change after
#                  it was restored or the archive does not reach it
#   --keep         keep the scratch database, directory and server for inspection
# Needs: age, psql, pg_restore, the application in /opt/kobepost (KOBEPOST_PYTHON: its
# interpreter, default ../../.venv/bin/python beside this script).
set -Eeuo pipefail
# shellcheck source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"
here="$(dirname "$(readlink -f "$0")")"
root="$(dirname "$(dirname "$here")")"
python="${KOBEPOST_PYTHON:-$root/.venv/bin/python}"

admin_url="postgres:///postgres" keep=0 identity="" rto_target=30
wal_archive="" base_backups="" app_database=kobepost target_time=""
while (($#)); do
  case $1 in
    --env-file) read_env_file "$2"; shift 2 ;;
    --backup-dir) BACKUP_DIR=$2; shift 2 ;;
    --admin-url) admin_url=$2; shift 2 ;;
    --identity) identity=$2; shift 2 ;;
    --rto-target) rto_target=$2; shift 2 ;;
    --wal-archive) wal_archive=$2; shift 2 ;;
    --base-backups) base_backups=$2; shift 2 ;;
    --database) app_database=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --recovery-target-time) target_time=$2; shift 2 ;;
    -h | --help) sed -n '2,38p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
: "${BACKUP_DIR:=/var/backups/kobepost}"
[[ -n $identity ]] || die "give --identity (the backup key; - reads it from standard input)"
[[ $rto_target =~ ^[0-9]+$ ]] || die "--rto-target must be a number of minutes"
[[ -z $wal_archive && -z $base_backups ]] || [[ -n $wal_archive && -n $base_backups ]] \
  || die "--wal-archive and --base-backups go together"
if [[ -n $target_time ]]; then
  [[ -n $wal_archive ]] || die "--recovery-target-time needs --wal-archive and --base-backups"
  # Normalised once, with its offset, for PostgreSQL and for the comparisons below.
  target_time="$(TZ=Asia/Tokyo date -d "$target_time" '+%Y-%m-%d %H:%M:%S.%6N%:z')" \
    || die "--recovery-target-time: not a time"
fi
[[ -x $python ]] || die "no application interpreter at $python (set KOBEPOST_PYTHON)"
[[ -r $BACKUP_DIR && -x $BACKUP_DIR ]] \
  || die "cannot read $BACKUP_DIR as $(id -un): see deploy/README.md (復元訓練) for its rights"

started=$SECONDS
latest="$(find "$BACKUP_DIR" -maxdepth 1 -type d -name 'kobepost-*' -printf '%f\n' | LC_ALL=C sort | tail -n 1)"
[[ -n $latest ]] || die "no backup in $BACKUP_DIR"
backup="$BACKUP_DIR/$latest"
scratch_db="kobepost_drill_$$"
scratch_url="$(url_with_database "$admin_url" "$scratch_db")"
work="$(mktemp -d "${TMPDIR:-/tmp}/kobepost-drill.XXXXXX")"
created=0 app_pid="" pitr_data=""
cleanup() {
  local status=$?
  [[ -n $app_pid ]] && { kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true; }
  if ((keep)); then
    say "drill: kept database $scratch_db and $work"
  else
    [[ -n $pitr_data ]] && pg_ctl_in "$pitr_data" stop -m immediate >/dev/null 2>&1
    ((created)) && psql -X -q --dbname="$admin_url" \
      -c "DROP DATABASE IF EXISTS $scratch_db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
  fi
  if ((status == 0)); then say "drill PASSED: $backup"; else say "drill FAILED: $backup" >&2; fi
  exit "$status"
}
trap cleanup EXIT

elapsed() {  # seconds
  if (($1 >= 3600)); then printf '%d h %02d min' $(($1 / 3600)) $(($1 % 3600 / 60)); else
    printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); fi
}

# The application on a restored database, with an environment of its own: no production
# env file, no Redis (tasks would run in-process), mail only into the work directory, so a
# drill can never send mail or take work from the production worker.
# Always called in a subshell, which it replaces (exec): the application started in the
# background is then the process $! names, and stopping it stops the application itself.
# (Without exec, $! was the subshell: killing it left gunicorn running after the drill.)
app_env() {  # database-url media-dir
  exec env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME="$work" \
    DJANGO_SETTINGS_MODULE=kobepost.settings DEBUG=false \
    SECRET_KEY="drill-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" \
    ALLOWED_HOSTS=127.0.0.1 DATABASE_URL="$1" DATABASE_CONN_MAX_AGE=0 \
    REDIS_URL= CELERY_TASK_ALWAYS_EAGER=true EMAIL_HOST= \
    VAR_DIR="$work/var" STATIC_ROOT="$work/static" MEDIA_ROOT="$2" LOG_FORMAT=json \
    LOG_LEVEL=WARNING HEALTH_MAX_UNSENT_SECONDS=315360000 \
    "${@:3}"
}

# manage.py check and migrate, the sample check, gunicorn and /health/. Sets newest_change.
prove_the_application() {  # label database-url media-dir [restore_check options]
  local label=$1 url=$2 media=$3 port output
  mkdir -p "$work/var"
  (cd "$root" && app_env "$url" "$media" "$python" manage.py check --database default) \
    >"$work/check.log" 2>&1 || { cat "$work/check.log" >&2; die "$label: manage.py check failed"; }
  # A backup of an older release needs the newer migrations, as a real restore would.
  (cd "$root" && app_env "$url" "$media" "$python" manage.py migrate --noinput) \
    >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; die "$label: migrate failed"; }
  output="$(cd "$root" && app_env "$url" "$media" "$python" manage.py restore_check "${@:4}" 2>&1)" \
    || { printf '%s\n' "$output" >&2; die "$label: the sample of cases, photos and audit rows failed"; }
  printf '%s\n' "$output" | grep -v '^newest_change=' | sed "s/^/$(now_iso) $label: /"
  newest_change="$(printf '%s\n' "$output" | sed -n 's/^newest_change=//p')"
  port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  (cd "$root" && app_env "$url" "$media" GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS=1 \
    GUNICORN_WORKER_TMP_DIR="$work" "$python" -m gunicorn -c deploy/gunicorn.conf.py) \
    >"$work/gunicorn-$label.log" 2>&1 &
  app_pid=$!
  if ! health="$("$python" - "$port" "$app_pid" <<'PYEOF'

import json, os, sys, time, urllib.error, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 300
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=30) as answer:
            body = json.load(answer)
            break
    except urllib.error.HTTPError as error:
        sys.exit(f"/health/ answered {error.code}: {error.read()[:500]!r}")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("gunicorn exited")
        if time.monotonic() > deadline:
            sys.exit("gunicorn never answered /health/")
        time.sleep(0.5)
if body.get("database") != "ok":
    sys.exit(f"/health/: {body}")
print(f"/health/ 200 {json.dumps(body, ensure_ascii=False, sort_keys=True)}")
PYEOF
)"; then
    printf '%s\n' "$health" >&2
    tail -n 20 "$work/gunicorn-$label.log" >&2
    die "$label: the application did not answer on the restored database"
  fi
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true
  app_pid=""
  say "$label: $health"
  say "$label: the application on 127.0.0.1:$port was stopped"
  say "$label: the application ran on the restored data (manage.py check, gunicorn)"
}

report() {  # label seconds [recovery target time]
  local label=$1 seconds=$2 until=${3:-} age_s
  say "$label: RTO $(elapsed "$seconds") (target ≤ $rto_target min: $( ((seconds <= rto_target * 60)) && echo met || echo MISSED))"
  if [[ -n $until ]]; then
    # Recovering to a moment loses what came after it on purpose: the recovery point is
    # measured from that moment, not from now.
    age_s=$(($(date -d "$until" +%s) - $(date -d "$newest_change" +%s)))
    ((age_s >= 0)) || { echo "$label: a change after the recovery target $until was restored ($newest_change)" >&2; return 1; }
    say "$label: RPO newest restored change $newest_change, $(elapsed "$age_s") before the recovery target $until"
  else
    age_s=$(($(date +%s) - $(date -d "$newest_change" +%s)))
    say "$label: RPO newest restored change $newest_change, $(elapsed "$age_s") before now"
  fi
  ((seconds <= rto_target * 60)) || { echo "$label: RTO target missed" >&2; return 1; }
}

say "drill: backup $backup → scratch database $scratch_db"
load_identity "$identity"
check_identity "$backup/media.sha256.age"
psql -X -q -v ON_ERROR_STOP=1 --dbname="$admin_url" \
  -c "CREATE DATABASE $scratch_db TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
created=1
"$here/kobepost-restore.sh" "$backup" --database-url "$scratch_url" --media-dir "$work/media" \
  --identity <(printf '%s\n' "$AGE_IDENTITY")

failed=0
row_counts "$scratch_url" >"$work/rowcounts.restored"
if ! diff -u "$backup/rowcounts.tsv" "$work/rowcounts.restored" >"$work/rowcounts.diff"; then
  say "drill: ROW COUNTS DIFFER (- at backup time, + restored):" >&2
  cat "$work/rowcounts.diff" >&2
  failed=1
else
  say "drill: row counts of $(wc -l <"$work/rowcounts.restored") tables match"
fi
decrypt "$backup/media.sha256.age" >"$work/media.sha256"
file_checksums "$work/media" >"$work/media.restored"
if ! diff -u "$work/media.sha256" "$work/media.restored" >"$work/media.diff"; then
  say "drill: MEDIA FILES DIFFER (- at backup time, + restored):" >&2
  cat "$work/media.diff" >&2
  failed=1
else
  say "drill: checksums of $(wc -l <"$work/media.restored") media files match"
fi
((failed == 0)) || exit 1

prove_the_application drill "$scratch_url" "$work/media"
report drill $((SECONDS - started)) || failed=1
say "drill: the dump's snapshot was taken $(sed -n 's/^snapshot_at=//p' "$backup/manifest.txt")"
[[ -n $wal_archive ]] || say "drill: with nightly dumps alone a failure loses up to 24 h; the RPO target of ≤ 5 min needs the WAL archive (--wal-archive)"

# --- Point-in-time recovery: the newest base backup + the WAL archive -------------------
pg_ctl_in() {  # data-dir pg_ctl-arguments...
  local data=$1; shift
  "$pg_bin/pg_ctl" -D "$data" "$@"
}
if [[ -n $wal_archive ]]; then
  pitr_started=$SECONDS
  pg_bin="$(find /usr/lib/postgresql -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -x $pg_bin/pg_ctl ]] || die "PITR: no PostgreSQL server binaries in /usr/lib/postgresql"
  base="$(find "$base_backups" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | LC_ALL=C sort | tail -n 1)"
  [[ -n $base && -f $base_backups/$base/base.tar.gz.age ]] || die "PITR: no base backup in $base_backups"
  say "pitr: base backup $base_backups/$base + WAL archive $wal_archive → a temporary server"
  pitr_data="$work/pitr-data"
  mkdir -m 0700 "$pitr_data"
  decrypt "$base_backups/$base/base.tar.gz.age" | tar --extract --gzip --file=- --directory="$pitr_data"
  # The WAL archive is encrypted too: restore_command needs the key as a file, private to
  # this account and removed with the work directory.
  (umask 077 && printf '%s\n' "$AGE_IDENTITY" >"$work/wal.key")
  pitr_port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # Debian keeps postgresql.conf and pg_hba.conf outside the data directory: the temporary
  # server gets its own, listening only on a socket in the work directory, never archiving
  # (it must not write into the production archive).
  cat >"$pitr_data/postgresql.conf" <<CONF
port = $pitr_port
listen_addresses = ''
unix_socket_directories = '$work'
archive_mode = off
restore_command = 'age --decrypt --identity $work/wal.key --output %p $wal_archive/%f.age'
recovery_target_timeline = 'latest'
recovery_target_action = 'promote'
CONF
  # Without a target the whole archive is replayed; with one, PostgreSQL stops before the
  # first transaction committed after it, and refuses to start if the archive ends earlier.
  [[ -z $target_time ]] || printf "recovery_target_time = '%s'\n" "$target_time" >>"$pitr_data/postgresql.conf"
  printf 'local all all peer\n' >"$pitr_data/pg_hba.conf"
  : >>"$pitr_data/pg_ident.conf"
  # Settings made with ALTER SYSTEM (an archive_command among them) do not come along.
  : >"$pitr_data/postgresql.auto.conf"
  rm -f "$pitr_data/postmaster.pid"
  touch "$pitr_data/recovery.signal"
  pg_ctl_in "$pitr_data" -l "$work/pitr-server.log" -w -t 600 start >/dev/null \
    || { tail -n 20 "$work/pitr-server.log" >&2; die "PITR: the server did not start${target_time:+ (does the archive reach $target_time?)}"; }
  pitr_admin="postgres:///postgres?host=$work&port=$pitr_port"
  for _ in $(seq 1200); do
    [[ "$(psql -X -A -t --dbname="$pitr_admin" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" == f ]] && break
    # A server that stops while replaying (e.g. the archive ends before the recovery
    # target) is not waited for.
    pg_ctl_in "$pitr_data" status >/dev/null 2>&1 || break
    sleep 0.5
  done
  [[ "$(psql -X -A -t --dbname="$pitr_admin" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" == f ]] \
    || { tail -n 20 "$work/pitr-server.log" >&2
      die "PITR: the server never finished replaying the WAL archive${target_time:+ (does the archive reach $target_time?)}"; }
  say "pitr: WAL replayed up to $(grep -o 'last completed transaction was at log time [^"]*' "$work/pitr-server.log" | tail -n 1 | sed 's/.*log time //')"
  if [[ -n $target_time ]]; then
    stopped="$(grep -o 'recovery stopping [^"]*' "$work/pitr-server.log" | tail -n 1)"
    # No "stopping" line: nothing was committed after the target (the archive ends there).
    say "pitr: recovery target $target_time: ${stopped:-no transaction after it in the archive}"
  fi
  # The photos come from the nightly archive: those uploaded after it are not in it.
  prove_the_application pitr "$(url_with_database "$pitr_admin" "$app_database")" "$work/media" \
    --files-before "$(sed -n 's/^media_listed_at=//p' "$backup/manifest.txt")"
  report pitr $((SECONDS - pitr_started)) "$target_time" || failed=1
fi
exit "$failed"
