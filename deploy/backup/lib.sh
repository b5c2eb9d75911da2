# Shared by kobepost-backup.sh, kobepost-restore.sh and restore-drill.sh (sourced).
# shellcheck shell=bash

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
# Japan time in ISO 8601 with its offset, like every other log line (deploy/README.md, ログ).
now_iso() { TZ=Asia/Tokyo date --iso-8601=seconds "$@"; }
say() { printf '%s %s\n' "$(now_iso)" "$*"; }

# The files of a backup, as SHA256SUMS lists them. The ones ending in .age are encrypted.
BACKUP_FILES=(db.dump.age media.tar.gz.age media.sha256.age rowcounts.tsv manifest.txt)

# Reads the few keys the scripts need from the env file (never executes it). A variable
# already set in the environment wins over the file.
read_env_file() {
  local file=$1 line key value
  [[ -r "$file" ]] || die "cannot read env file $file"
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ $line =~ ^[[:space:]]*([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    case $key in
      DATABASE_URL | MEDIA_ROOT | VAR_DIR | BACKUP_DIR | BACKUP_KEEP_DAYS) ;;
      BACKUP_AGE_RECIPIENTS | BACKUP_COPY_TO) ;;
      *) continue ;;
    esac
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [[ -n ${!key+x} ]] || printf -v "$key" '%s' "$value"
  done <"$file"
}

# The same database URL with another database name (query string kept).
url_with_database() {
  local url=$1 name=$2 query=""
  if [[ $url == *\?* ]]; then query="?${url#*\?}"; url=${url%%\?*}; fi
  printf '%s/%s%s' "${url%/*}" "$name" "$query"
}

# Exact row count of every table, one "schema.table<TAB>count" line each, sorted.
ROW_COUNT_SQL="SELECT n.nspname || '.' || c.relname || E'\t' ||
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',
     n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1;"

row_counts() {  # database-url
  psql -X -q -A -t -v ON_ERROR_STOP=1 --dbname="$1" -c "$ROW_COUNT_SQL" | LC_ALL=C sort
}

# sha256 of every file under a directory, relative names, sorted (NUL-safe listing).
file_list() {  # dir -> NUL-separated relative paths
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z)
}
file_checksums() {  # dir
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# The age identity (private key) for decrypt, read once: from a file, or "-" from standard
# input. Kept in this shell's memory and handed to age as /dev/fd/N, never written to disk.
# A key protected with a passphrase (age -p, as deploy/README.md makes it) is binary: bash
# drops its NUL bytes and trailing newlines when it is kept in a variable, and age then
# refuses it. So it is carried as base64 (text) until age has decrypted it.
load_identity() {  # file|-
  command -v age >/dev/null || die "age is not installed (apt-get install age)"
  local raw header
  if [[ $1 == - ]]; then
    raw="$(base64 -w0)" || die "cannot read the key from standard input"
  else
    [[ -r $1 ]] || die "cannot read the key file $1"
    raw="$(base64 -w0 -- "$1")" || die "cannot read the key file $1"
  fi
  [[ -n $raw ]] || die "the key is empty"
  # Pipes, not here-strings: older bash writes a here-string to a temporary file.
  header="$(printf '%s' "$raw" | base64 -d | head -c 34 | tr -d '\0')" || true
  if [[ $header == age-encryption.org/v1* || $header == "-----BEGIN AGE ENCRYPTED FILE-----" ]]; then
    # Asked for once, on the terminal (age reads the passphrase from /dev/tty).
    AGE_IDENTITY="$(printf '%s' "$raw" | base64 -d | age --decrypt)" \
      || die "the key could not be decrypted (wrong passphrase, or no terminal to ask for it)"
  else
    AGE_IDENTITY="$(printf '%s' "$raw" | base64 -d)"
  fi
  [[ $AGE_IDENTITY == *AGE-SECRET-KEY-* || $AGE_IDENTITY == *AGE-PLUGIN-* ]] \
    || die "the key holds no age identity (AGE-SECRET-KEY-…)"
}
decrypt() {  # encrypted file -> stdout
  age --decrypt --identity <(printf '%s\n' "$AGE_IDENTITY") -- "$1"
}
# A wrong key fails here, before any database or directory is touched.
check_identity() {  # an encrypted file of the backup
  decrypt "$1" >/dev/null 2>&1 \
    || die "the key cannot decrypt $1 (not a recipient of this backup?)"
}
