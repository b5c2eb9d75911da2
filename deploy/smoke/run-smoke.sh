#!/usr/bin/env bash
# Smoke test of the whole stack on this machine, as deployed (deploy/README.md):
#   nginx (deploy/nginx/kobepost.conf rendered to high ports and temp dirs, self-signed TLS)
#   → gunicorn (deploy/gunicorn.conf.py) → Django on PostgreSQL (scratch database)
#   + Redis + a Celery worker + an SMTP sink + a stand-in for the GSI tile server,
# then deploy/smoke/drive.py checks both faces over HTTPS. Everything runs as the current
# user, nothing outside a temp dir is written (except the scratch database, dropped at exit).
#
# Needs: nginx (nginx-light), redis-server, openssl, PostgreSQL reachable with createdb rights.
# Env:   SMOKE_PG_URL   maintenance URL, default from DATABASE_URL (…/postgres)
#        SMOKE_KEEP=1   keep the temp dir (logs) after the run
#        SMOKE_LOG_LEVEL  LOG_LEVEL of gunicorn, Django and Celery (default INFO: the log check)
#        SMOKE_SERVE_FILE=path  instead of drive.py: write the ports and the temp dir there as
#                       JSON and keep the stack up until the file is removed (a test drives
#                       it itself, tests/deploy/smoke.py), at most SMOKE_SERVE_SECONDS (600)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${SMOKE_PYTHON:-$ROOT/.venv/bin/python}"
BIN="$(dirname "$PY")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/kobepost-smoke.XXXXXX")"
# nginx workers may run as another user when started by root: let them read the tree.
chmod 755 "$WORK"
STAFF_HOST=kobepost.example.lg.jp
PUBLIC_HOST=post.kobepost.example.jp
PIDS=()
SCRATCH_DB="kobepost_smoke_$$"
DB_CREATED=0
STARTED=$SECONDS

log() { printf '[smoke %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }

pg_url="${SMOKE_PG_URL:-}"
if [[ -z "$pg_url" ]]; then
  case "${DATABASE_URL:-}" in
    postgres://*|postgresql://*) pg_url="${DATABASE_URL%/*}/postgres" ;;
    *) pg_url="postgres://postgres@127.0.0.1:5432/postgres" ;;
  esac
fi
APP_DATABASE_URL="${pg_url%/*}/$SCRATCH_DB"

cleanup() {
  local status=$?
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if ((DB_CREATED)); then
    psql -X -q "$pg_url" -c "DROP DATABASE IF EXISTS $SCRATCH_DB WITH (FORCE)" >/dev/null 2>&1
  fi
  if ((status != 0)); then
    log "FAILED — last lines of the service logs:"
    for f in "$WORK"/logs/*.log; do
      [[ -s "$f" ]] && { echo "--- $f"; tail -n 25 "$f"; }
    done
  fi
  if [[ "${SMOKE_KEEP:-0}" == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in nginx redis-server openssl psql; do
  command -v "$tool" >/dev/null || { echo "smoke: $tool is not installed" >&2; exit 2; }
done

free_ports() {
  "$PY" - "$1" <<'PYEOF'
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PYEOF
}
read -r HTTPS_PORT HTTP_PORT APP_PORT REDIS_PORT SMTP_PORT TILE_PORT <<<"$(free_ports 6)"

wait_for_port() {  # name port pid
  for _ in $(seq 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || { log "$1 exited"; return 1; }
    sleep 0.2
  done
  log "$1 did not open port $2"
  return 1
}

mkdir -p "$WORK"/{logs,tls,static,media,var,maildir,nginx/tmp}
chmod 755 "$WORK"/{logs,tls,static,nginx}

log "TLS certificate (self-signed, for $STAFF_HOST and $PUBLIC_HOST)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$STAFF_HOST" \
  -addext "subjectAltName=DNS:$STAFF_HOST,DNS:$PUBLIC_HOST" \
  -keyout "$WORK/tls/staff.key" -out "$WORK/tls/staff.crt" 2>"$WORK/logs/openssl.log"
cp "$WORK/tls/staff.crt" "$WORK/tls/ca.crt"
cp "$WORK/tls/staff.crt" "$WORK/tls/public.crt"
cp "$WORK/tls/staff.key" "$WORK/tls/public.key"

log "Redis on $REDIS_PORT, SMTP sink on $SMTP_PORT, tile stand-in on $TILE_PORT"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
  --dir "$WORK/var" >"$WORK/logs/redis.log" 2>&1 &
PIDS+=($!); REDIS_PID=$!
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$WORK/maildir" \
  >"$WORK/logs/smtp.log" 2>&1 &
PIDS+=($!); SMTP_PID=$!
rmdir "$WORK/maildir"  # Mailbox creates the maildir itself
"$PY" "$ROOT/deploy/smoke/fake_tiles.py" "$TILE_PORT" "$WORK/tiles.log" >"$WORK/logs/tiles.log" 2>&1 &
PIDS+=($!); TILE_PID=$!
touch "$WORK/tiles.log"

# The application's environment, as /etc/kobepost/kobepost.env would give it.
export DEBUG=false
SECRET_KEY="smoke-$(openssl rand -hex 24)"
export SECRET_KEY
export ALLOWED_HOSTS="$STAFF_HOST $PUBLIC_HOST"
export CSRF_TRUSTED_ORIGINS="https://$STAFF_HOST:$HTTPS_PORT https://$PUBLIC_HOST:$HTTPS_PORT"
export SITE_URL="https://$STAFF_HOST:$HTTPS_PORT"
export DATABASE_URL="$APP_DATABASE_URL"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export CELERY_TASK_ALWAYS_EAGER=false
export EMAIL_HOST=127.0.0.1 EMAIL_PORT="$SMTP_PORT" EMAIL_HOST_USER="" EMAIL_HOST_PASSWORD=""
export EMAIL_USE_TLS=false EMAIL_USE_SSL=false
export TRUSTED_PROXIES=127.0.0.1/32
export CALLCENTER_NETWORKS="127.0.0.0/8 ::1/128" CITY_NETWORKS="127.0.0.0/8 ::1/128"
export ADMIN_NETWORKS="127.0.0.0/8 ::1/128"
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media" VAR_DIR="$WORK/var"
# INFO by default, as in production: the log check reads the access and task lines.
export LOG_LEVEL="${SMOKE_LOG_LEVEL:-INFO}" LOG_FORMAT=json
export DJANGO_SETTINGS_MODULE=kobepost.settings
cd "$ROOT"

log "scratch database $SCRATCH_DB: migrate, seed_demo, collectstatic, test mail"
psql -X -q "$pg_url" -c "CREATE DATABASE $SCRATCH_DB TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
DB_CREATED=1
wait_for_port smtp "$SMTP_PORT" "$SMTP_PID"
"$PY" deploy/smoke/prepare.py

log "gunicorn on $APP_PORT, Celery worker"
GUNICORN_BIND="127.0.0.1:$APP_PORT" GUNICORN_WORKERS=2 GUNICORN_WORKER_TMP_DIR="$WORK/var" \
  "$BIN/gunicorn" -c deploy/gunicorn.conf.py >"$WORK/logs/gunicorn.log" 2>&1 &
PIDS+=($!); APP_PID=$!
"$BIN/celery" -A kobepost --quiet worker --pool=solo --without-mingle --without-gossip \
  --hostname="smoke-$$@%h" --loglevel="$LOG_LEVEL" >"$WORK/logs/worker.log" 2>&1 &
PIDS+=($!)

log "nginx on https $HTTPS_PORT / http $HTTP_PORT"
"$PY" deploy/smoke/render_nginx.py "$WORK" "$HTTPS_PORT" "$HTTP_PORT" "$APP_PORT" "$TILE_PORT"
cat >"$WORK/nginx/staff-networks.conf" <<NETEOF
# rendered by run-smoke.sh: this machine only (127.0.0.2 is used to test the refusal)
allow 127.0.0.1;
deny all;
NETEOF
cat >"$WORK/nginx/pbx-networks.conf" <<NETEOF
# rendered by run-smoke.sh: the phone system is this machine too
allow 127.0.0.1;
deny all;
NETEOF
cat >"$WORK/nginx/nginx.conf" <<NGINXEOF
worker_processes 1;
user $(id -un) $(id -gn);
pid $WORK/nginx/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    access_log $WORK/logs/nginx-access.log;
    include $WORK/nginx/kobepost.conf;
}
NGINXEOF
nginx -t -q -p "$WORK/nginx" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf" 2>"$WORK/logs/nginx-t.log" \
  || { cat "$WORK/logs/nginx-t.log"; exit 1; }
# The servers' time zone (deploy/README.md, ログ): nginx writes local time with its offset.
TZ=Asia/Tokyo nginx -p "$WORK/nginx" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx/nginx.conf" \
  -g "daemon off;" >"$WORK/logs/nginx.log" 2>&1 &
PIDS+=($!); NGINX_PID=$!

wait_for_port redis "$REDIS_PORT" "$REDIS_PID"
wait_for_port tiles "$TILE_PORT" "$TILE_PID"
wait_for_port gunicorn "$APP_PORT" "$APP_PID"
wait_for_port nginx "$HTTPS_PORT" "$NGINX_PID"
# The port opens before the workers have loaded Django: wait for a first real answer.
"$PY" - "$APP_PORT" <<'PYEOF' || { log "gunicorn never answered"; exit 1; }
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 120
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health/", timeout=30)
        break
    except urllib.error.HTTPError:
        break  # any HTTP answer (400 for the host name, 503) means a worker is serving
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.5)
PYEOF

if [[ -n "${SMOKE_SERVE_FILE:-}" ]]; then
  printf '{"work": "%s", "https_port": %s, "http_port": %s, "staff_host": "%s", "public_host": "%s"}\n' \
    "$WORK" "$HTTPS_PORT" "$HTTP_PORT" "$STAFF_HOST" "$PUBLIC_HOST" >"$SMOKE_SERVE_FILE.tmp"
  mv "$SMOKE_SERVE_FILE.tmp" "$SMOKE_SERVE_FILE"
  log "serving until $SMOKE_SERVE_FILE is removed"
  # Bounded, and never outliving the test that started it.
  for ((i = 0; i < ${SMOKE_SERVE_SECONDS:-600} * 5; i++)); do
    [[ -e "$SMOKE_SERVE_FILE" ]] && kill -0 "$PPID" 2>/dev/null || exit 0
    kill -0 "$APP_PID" 2>/dev/null || { log "gunicorn exited"; exit 1; }
    sleep 0.2
  done
  log "served ${SMOKE_SERVE_SECONDS:-600} s, stopping"
  exit 1
fi

log "driving both faces"
SMOKE_WORK="$WORK" SMOKE_HTTPS_PORT="$HTTPS_PORT" SMOKE_HTTP_PORT="$HTTP_PORT" \
  SMOKE_STAFF_HOST="$STAFF_HOST" SMOKE_PUBLIC_HOST="$PUBLIC_HOST" \
  "$PY" deploy/smoke/drive.py
log "passed"
