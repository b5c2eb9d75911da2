"""Backups for real on the local PostgreSQL: encrypted backup, restore drill (application
started on the copy, RTO and RPO printed), tampering and a wrong key fail, off-host copy.

The source is the test database itself (rows committed with transactional_db) plus media
files in a temporary MEDIA_ROOT; the drill restores into a scratch database it creates and
drops. ``test_the_documented_drill_...`` runs it exactly as deploy/README.md says: the
backup written by a service account into the directory the install steps create, the drill
run by the postgres account with the key on standard input.
"""

import fcntl
import gzip
import hashlib
import io
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kobepost.accounts.models import User
from tests.fixtures import service_missing

BACKUP = Path(settings.BASE_DIR) / "deploy" / "backup"
ENCRYPTED = ["db.dump.age", "media.tar.gz.age", "media.sha256.age"]
FILES = [*ENCRYPTED, "rowcounts.tsv", "manifest.txt"]
SECRET_NAME = "バックアップ 太郎"
DRILL_TIMEOUT = 600


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    """A temporary directory other accounts may enter (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="kobepost-backup-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def age_key(directory: Path, name: str = "backup") -> dict[str, Path]:
    identity = directory / f"{name}.key"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipients = directory / f"{name}.recipients"
    public = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout
    recipients.write_text(f"# {name}\n{public}")
    recipients.chmod(0o644)
    return {"identity": identity, "recipients": recipients}


@pytest.fixture
def source(transactional_db, kobe, make_user, world_readable_tmp):
    if not settings.USING_POSTGRESQL:
        service_missing("backups are tested on PostgreSQL (DATABASE_URL)")
    for tool in ("pg_dump", "pg_restore", "psql", "sha256sum", "tar", "age", "rsync"):
        if shutil.which(tool) is None:
            service_missing(f"{tool} is not installed (apt-get install age rsync)")
    make_user("backup_op", User.Role.OPERATOR, display_name=SECRET_NAME)
    media = world_readable_tmp / "media"
    (media / "cases" / "2026" / "11").mkdir(parents=True)
    (media / "cases" / "2026" / "11" / "道路の穴.jpg").write_bytes(os.urandom(20_000))
    (media / "cases" / "2026" / "11" / "memo 1.txt").write_text("現地確認済み\n")
    (media / "top.png").write_bytes(b"\x89PNG fake")
    for path in (media, *media.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    keys = world_readable_tmp / "keys"
    keys.mkdir(mode=0o755)
    return {
        "url": database_url(connection.settings_dict["NAME"]),
        "media": media,
        "backups": world_readable_tmp / "backups",
        "key": age_key(keys),
        "tmp": world_readable_tmp,
    }


def run(script: str, *args: str, env: dict[str, str] | None = None, **options):
    return subprocess.run(
        [str(BACKUP / script), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=DRILL_TIMEOUT,
        check=False,
        **options,
    )


def backup_env(source, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": source["url"],
        "MEDIA_ROOT": str(source["media"]),
        "BACKUP_DIR": str(source["backups"]),
        "BACKUP_KEEP_DAYS": "7",
        "BACKUP_AGE_RECIPIENTS": str(source["key"]["recipients"]),
        **extra,
    }


def back_up(source, **extra: str) -> Path:
    result = run("kobepost-backup.sh", env=backup_env(source, **extra))
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def drill(source, identity: Path | None = None):
    return run(
        "restore-drill.sh",
        "--backup-dir",
        str(source["backups"]),
        "--admin-url",
        database_url("postgres"),
        "--identity",
        str(identity or source["key"]["identity"]),
    )


def restore_arguments(backup: Path, media: Path, identity: str) -> list[str]:
    """kobepost-restore.sh into the server's postgres database (a wrong key stops first)."""
    return [
        str(backup),
        "--database-url",
        database_url("postgres"),
        "--media-dir",
        str(media),
        "--identity",
        identity,
    ]


def decrypt(path: Path, identity: Path) -> bytes:
    return subprocess.run(
        ["age", "--decrypt", "--identity", str(identity), str(path)],
        check=True,
        capture_output=True,
    ).stdout


def encrypt(data: bytes, path: Path, recipients: Path) -> None:
    subprocess.run(
        ["age", "--encrypt", "--recipients-file", str(recipients), "--output", str(path)],
        input=data,
        check=True,
        capture_output=True,
    )


def reseal(backup: Path) -> None:
    """Recompute SHA256SUMS, as if the backup had been made that way."""
    lines = [f"{hashlib.sha256((backup / n).read_bytes()).hexdigest()}  {n}\n" for n in FILES]
    (backup / "SHA256SUMS").write_text("".join(lines))


def assert_scratch_database_dropped(result) -> None:
    """The drill's own scratch database is gone (other test runs may drill meanwhile)."""
    names = re.findall(r"scratch database (kobepost_drill_\d+)", result.stdout)
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)", [names])
        assert cursor.fetchall() == [], "the drill left its scratch database behind"


def assert_application_stopped(result) -> None:
    """Nothing listens any more where the drill started the application: it stopped
    gunicorn itself, not only the shell that started it."""
    ports = re.findall(r"the application on 127\.0\.0\.1:(\d+) was stopped", result.stdout)
    assert ports, result.stdout
    for port in ports:
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", int(port)), timeout=5),
        ):
            pass


def assert_drill_passed(result) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert_application_stopped(result)
    assert "drill PASSED" in result.stdout
    assert "checksums of 3 media files match" in result.stdout
    assert re.search(r"drill: 1 cases? read|drill: \d+ cases read", result.stdout), output
    assert "/health/ 200" in result.stdout and '"database": "ok"' in result.stdout
    assert re.search(r"drill: RTO \d+ min \d\d s \(target ≤ 30 min: met\)", result.stdout)
    assert re.search(r"drill: RPO newest restored change \S+\+09:00, \d+ (h|min)", result.stdout)


def test_backup_is_encrypted_then_the_drill_restores_runs_the_app_and_cleans_up(source):
    old = source["backups"] / "kobepost-20200101T000000"
    old.mkdir(parents=True)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))

    backup = back_up(source)

    assert sorted(p.name for p in backup.iterdir()) == sorted(["SHA256SUMS", *FILES])
    counts = dict(line.split("\t") for line in (backup / "rowcounts.tsv").read_text().splitlines())
    assert counts["public.kobepost_user"] == "1"
    assert int(counts["public.departments_department"]) > 5
    checksums = decrypt(backup / "media.sha256.age", source["key"]["identity"]).decode()
    assert "./cases/2026/11/道路の穴.jpg" in checksums
    assert not old.exists(), "a backup older than BACKUP_KEEP_DAYS was kept"
    manifest = (backup / "manifest.txt").read_text()
    assert re.search(r"^snapshot_at=\S+[+-]\d\d:\d\d$", manifest, re.MULTILINE)
    assert "recipient=age1" in manifest

    result = drill(source)
    assert_drill_passed(result)
    assert_scratch_database_dropped(result)


def test_a_backup_cannot_be_read_without_the_key(source):
    backup = back_up(source)
    photo = (source["media"] / "cases" / "2026" / "11" / "道路の穴.jpg").read_bytes()
    for name in ENCRYPTED:
        data = (backup / name).read_bytes()
        assert data.startswith(b"age-encryption.org/v1\n"), name
        assert b"PGDMP" not in data and SECRET_NAME.encode() not in data, name
        assert photo[:64] not in data and "道路の穴".encode() not in data, name
    assert SECRET_NAME not in (backup / "rowcounts.tsv").read_text()

    stranger = age_key(source["tmp"] / "keys", "stranger")["identity"]
    result = drill(source, identity=stranger)
    assert result.returncode != 0
    assert "cannot decrypt" in result.stderr and "drill FAILED" in result.stderr
    assert_scratch_database_dropped(result)
    restored = source["tmp"] / "restored"
    result = run("kobepost-restore.sh", *restore_arguments(backup, restored, str(stranger)))
    assert result.returncode != 0 and "cannot decrypt" in result.stderr
    assert not restored.exists(), "a wrong key must fail before anything is written"


# --- the key as deploy/README.md makes it: protected with a passphrase (age -p) ----------


def on_a_terminal(command: list[str], passphrase: str, **options) -> subprocess.CompletedProcess:
    """Runs command with a terminal of its own (age asks for a passphrase only on /dev/tty)
    and types the passphrase at every prompt, as the administrator would."""
    master, slave = os.openpty()

    def take_the_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    screen = bytearray()

    def type_at_prompts() -> None:
        answered = 0
        while True:
            try:
                data = os.read(master, 1024)
            except OSError:  # the command closed the terminal
                return
            if not data:
                return
            screen.extend(data)
            while screen.lower().count(b"passphrase") > answered:
                answered += 1
                os.write(master, passphrase.encode() + b"\n")

    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Runs in the child before exec: it makes the terminal the child's own.
        preexec_fn=take_the_terminal,
        pass_fds=(slave,),
        **options,
    )
    os.close(slave)
    typist = threading.Thread(target=type_at_prompts, daemon=True)
    typist.start()
    try:
        stdout, stderr = process.communicate(timeout=DRILL_TIMEOUT)
    finally:
        os.close(master)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def passphrase_protected(key: dict[str, Path], passphrase: str) -> Path:
    """deploy/README.md, Encryption and keys, step 1: age -p -o KEY.age KEY."""
    protected = key["identity"].with_suffix(".key.age")
    made = on_a_terminal(
        ["age", "-p", "-o", str(protected), str(key["identity"])],
        passphrase,
        stdin=subprocess.DEVNULL,
    )
    assert made.returncode == 0, made.stderr
    assert protected.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt")
    return protected


def test_the_drill_takes_the_passphrase_protected_key_on_standard_input(source):
    backup = back_up(source)
    protected = passphrase_protected(source["key"], "金庫の合言葉 2026")
    command = [
        str(BACKUP / "restore-drill.sh"),
        "--backup-dir",
        str(source["backups"]),
        "--admin-url",
        database_url("postgres"),
        "--identity",
        "-",
    ]
    with protected.open() as key:
        result = on_a_terminal(command, "金庫の合言葉 2026", stdin=key)
    assert_drill_passed(result)
    assert_scratch_database_dropped(result)

    restored = source["tmp"] / "restored"
    with protected.open() as key:
        result = on_a_terminal(
            [str(BACKUP / "kobepost-restore.sh"), *restore_arguments(backup, restored, "-")],
            "間違った合言葉",
            stdin=key,
        )
    assert result.returncode != 0
    assert "the key could not be decrypted (wrong passphrase" in result.stderr
    assert not restored.exists(), "a wrong passphrase must fail before anything is written"


def test_backup_refuses_to_run_unencrypted(source):
    result = run(
        "kobepost-backup.sh",
        env=backup_env(source, BACKUP_AGE_RECIPIENTS=str(source["tmp"] / "no-such-file")),
    )
    assert result.returncode != 0
    assert "backups are encrypted" in result.stderr
    assert not any(source["backups"].glob("kobepost-*"))


def test_the_backup_is_copied_off_the_host(source):
    offsite = source["tmp"] / "offsite"
    offsite.mkdir()
    backup = back_up(source, BACKUP_COPY_TO=f"{offsite}/")
    copy = offsite / backup.name
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in backup.iterdir())
    check = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=copy, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    result = run(
        "kobepost-backup.sh",
        env=backup_env(source, BACKUP_COPY_TO=str(source["tmp"] / "missing" / "deeper/")),
    )
    assert result.returncode != 0 and "the copy to" in result.stderr


def test_restore_refuses_a_database_that_has_tables(source):
    backup = back_up(source)
    result = run(
        "kobepost-restore.sh",
        str(backup),
        "--database-url",
        source["url"],
        "--media-dir",
        str(source["tmp"] / "restored"),
        "--identity",
        "-",
        stdin=source["key"]["identity"].open(),
    )
    assert result.returncode != 0
    assert "use --force" in result.stderr
    assert User.objects.filter(username="backup_op").exists()


def tamper_archive_byte(backup: Path, key: dict) -> None:
    data = bytearray((backup / "media.tar.gz.age").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup / "media.tar.gz.age").write_bytes(bytes(data))


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    data = archive.extractfile(member)
    assert data is not None, member.name  # the media archive holds files only
    return data.read()


def tamper_media_file(backup: Path, key: dict) -> None:
    """A consistent-looking backup whose archived photo differs from the recorded one."""
    archive = decrypt(backup / "media.tar.gz.age", key["identity"])
    with tarfile.open(fileobj=io.BytesIO(archive)) as original:
        members = [(m, _read(original, m)) for m in original.getmembers()]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as rewritten:
        for member, content in members:
            if member.name.endswith("道路の穴.jpg"):
                content = content[:-1] + bytes([content[-1] ^ 0x01])
            rewritten.addfile(member, io.BytesIO(content))
    encrypt(gzip.compress(buffer.getvalue()), backup / "media.tar.gz.age", key["recipients"])
    reseal(backup)


def tamper_row_count(backup: Path, key: dict) -> None:
    path = backup / "rowcounts.tsv"
    lines = path.read_text().splitlines()
    lines = [
        f"{line.split(chr(9))[0]}\t2" if line.startswith("public.kobepost_user\t") else line
        for line in lines
    ]
    path.write_text("\n".join(lines) + "\n")
    reseal(backup)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (tamper_archive_byte, "is damaged"),
        (tamper_media_file, "MEDIA FILES DIFFER"),
        (tamper_row_count, "ROW COUNTS DIFFER"),
    ],
)
def test_drill_fails_on_a_tampered_backup(source, tamper, message):
    backup = back_up(source)
    tamper(backup, source["key"])
    result = drill(source)
    assert result.returncode != 0
    assert message in result.stderr
    assert "drill FAILED" in result.stderr
    assert_scratch_database_dropped(result)


# --- exactly as documented: the service account writes, the postgres account drills ------


def can_run_as(account: str, *command: str) -> bool:
    probe = subprocess.run(
        ["runuser", "-u", account, "--", *command], capture_output=True, timeout=60, check=False
    )
    return probe.returncode == 0


@pytest.fixture
def accounts() -> dict[str, str]:
    """The install steps' accounts: the service writes the backups, postgres drills. The
    service account here is ``nobody`` (a test must not create users); it has no more
    rights than kobepost."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        service_missing("the documented drill needs root to act as the service and postgres")
    for name in ("nobody", "postgres"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            service_missing(f"no {name} account on this machine")
    if not can_run_as("postgres", "test", "-r", str(BACKUP / "restore-drill.sh")):
        service_missing("the checkout must be readable by postgres, as /opt/kobepost is")
    return {"service": "nobody", "drill": "postgres"}


@pytest.fixture(scope="session")
def service_python() -> Iterator[str]:
    """An interpreter of the application that every account can run, as the one in
    /opt/kobepost/.venv is. When this one sits where other accounts cannot go (pyenv under
    /root on CI machines), a hard-linked copy of it stands in, started by a small script
    that points it at its libraries and at this virtualenv's packages."""
    if os.geteuid() != 0 or can_run_as("postgres", sys.executable, "-c", "import django"):
        yield sys.executable
        return
    base = Path(tempfile.mkdtemp(prefix="kobepost-python-"))
    base.chmod(0o755)
    try:
        copy = subprocess.run(["cp", "-al", sys.base_prefix, str(base / "python")], check=False)
        if copy.returncode != 0:  # another file system: a real copy
            shutil.copytree(sys.base_prefix, base / "python", symlinks=True)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        site_packages = Path(sys.prefix) / "lib" / version / "site-packages"
        (base / "site").mkdir()
        (base / "site" / "sitecustomize.py").write_text(
            f"import site\nsite.addsitedir({str(site_packages)!r})\n"
        )
        wrapper = base / "python-for-services"
        wrapper.write_text(
            "#!/bin/sh\n"
            f"LD_LIBRARY_PATH={base / 'python' / 'lib'} PYTHONPATH={base / 'site'} "
            f'exec {base / "python" / "bin" / version} "$@"\n'
        )
        wrapper.chmod(0o755)
        for path in (base, *base.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o755)
        if not can_run_as("postgres", "test", "-r", str(site_packages / "django")):
            # Seen with a clone inside a mkdtemp directory (mode 0700): postgres cannot
            # pass through it to the virtualenv's packages.
            service_missing(
                f"postgres cannot read {site_packages}: the checkout and its .venv must be "
                "readable by postgres, as /opt/kobepost is (is a parent directory 0700?)"
            )
        if not can_run_as("postgres", str(wrapper), "-c", "import django, gunicorn"):
            service_missing("no interpreter of the application that postgres may run")
        yield str(wrapper)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def documented_backup(source, accounts) -> Path:
    """The backup as the install steps set it up, written by the service account."""
    # Install step 2 (README): install -d -o kobepost -g postgres -m 2750 /var/backups/kobepost
    backups = source["backups"]
    subprocess.run(
        ["install", "-d", "-o", accounts["service"], "-g", "postgres", "-m", "2750", str(backups)],
        check=True,
    )
    # kobepost-backup.service: User=kobepost, UMask=0027, the env file's settings.
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **backup_env(source)}
    backed_up = subprocess.run(
        [
            "runuser",
            "-u",
            accounts["service"],
            "--",
            "sh",
            "-c",
            'umask 0027 && exec "$0"',
            str(BACKUP / "kobepost-backup.sh"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=DRILL_TIMEOUT,
        check=False,
    )
    assert backed_up.returncode == 0, backed_up.stdout + backed_up.stderr
    return Path(backed_up.stdout.strip().splitlines()[-1])


def documented_drill(source, accounts, service_python, *options: str):
    """deploy/README.md 復元訓練: sudo -u postgres restore-drill.sh --identity - < key. The
    key stays root's (0600): the drill gets it on standard input, never as a file."""
    command = [
        str(BACKUP / "restore-drill.sh"),
        "--backup-dir",
        str(source["backups"]),
        "--identity",
        "-",
        *options,
    ]
    db = settings.DATABASES["default"]
    if (db.get("HOST") or "127.0.0.1") not in ("127.0.0.1", "localhost") or str(
        db.get("PORT") or 5432
    ) != "5432":
        command += ["--admin-url", database_url("postgres")]  # not this machine's server
    key = source["key"]["identity"]
    key.chmod(0o600)
    with key.open() as stdin:
        return subprocess.run(
            ["runuser", "-u", accounts["drill"], "--", *command],
            env={"PATH": os.environ["PATH"], "KOBEPOST_PYTHON": service_python, "LANG": "C.UTF-8"},
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=DRILL_TIMEOUT,
            check=False,
        )


def test_the_documented_drill_reads_what_the_service_wrote(source, accounts, service_python):
    backup = documented_backup(source, accounts)
    assert backup.stat().st_gid == pwd.getpwnam("postgres").pw_gid
    assert oct(backup.stat().st_mode & 0o7777) == "0o2750"
    assert {oct(p.stat().st_mode & 0o777) for p in backup.iterdir()} == {"0o640"}

    result = documented_drill(source, accounts, service_python)

    assert_drill_passed(result)
    assert_scratch_database_dropped(result)


# --- point-in-time recovery: base backup + WAL archive, encrypted like the dumps ----------


def postgres_binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        service_missing("no PostgreSQL server binaries in /usr/lib/postgresql")
    return found[-1].parent


def as_postgres(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        **options,
    )


@pytest.fixture
def archiving_server(source, accounts) -> Iterator[dict]:
    """A PostgreSQL server of its own with WAL archiving set up as deploy/README.md says
    (encrypted with age), holding a copy of the test database as "kobepost", and a base
    backup taken as documented."""
    binaries = postgres_binaries()
    root = source["tmp"] / "pitr"
    for name in ("", "socket", "wal-archive", "base", "base/20261202"):
        (root / name).mkdir(exist_ok=True)
        shutil.chown(root / name, "postgres", "postgres")
    data = root / "data"
    as_postgres(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    port = subprocess.run(
        [
            sys.executable,
            "-c",
            "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = root / "wal-archive"
    recipients = source["key"]["recipients"]
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = ''\n"
            f"unix_socket_directories = '{root / 'socket'}'\n"
            "wal_level = replica\narchive_mode = on\n"
            f"archive_command = 'test ! -f {archive}/%f.age && age --encrypt --recipients-file "
            f"{recipients} --output {archive}/%f.age.tmp %p && mv {archive}/%f.age.tmp "
            f"{archive}/%f.age'\n"
        )
    as_postgres(
        str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "start"
    )
    url = f"postgres:///postgres?host={root / 'socket'}&port={port}"
    try:
        psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        as_postgres(*psql, url, "-c", "CREATE DATABASE kobepost TEMPLATE template0 ENCODING 'UTF8'")
        app_url = url.replace("/postgres?", "/kobepost?")
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", source["url"]],
            capture_output=True,
            check=True,
            timeout=300,
        ).stdout
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *psql, app_url],
            input=dump,
            capture_output=True,
            check=True,
            timeout=300,
        )
        # deploy/README.md, PITR step 2: the nightly base backup, encrypted.
        base = root / "base" / "20261202" / "base.tar.gz.age"
        as_postgres(
            "sh",
            "-c",
            f'pg_basebackup -d "{url}" -D - -Ft -z -Xnone --checkpoint=fast '
            f"| age --encrypt --recipients-file {recipients} --output {base}",
        )
        yield {"url": url, "app_url": app_url, "archive": archive, "base": root / "base"}
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
            timeout=120,
        )


def audit_marker(server: dict, username: str) -> str:
    """An audit row written on the archiving server; its time (Japan, to the second)."""
    return (
        as_postgres(
            "psql",
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"username={username}",
            server["app_url"],
            input="INSERT INTO kobepost_auditevent (occurred_at, action, username, address, "
            "path, record_type, record_id, fields, detail) VALUES (now(), 'login', "
            ":'username', '', '', '', '', '[]', '') RETURNING to_char(occurred_at AT TIME "
            "ZONE 'Asia/Tokyo', 'YYYY-MM-DD\"T\"HH24:MI:SS');",
        )
        .stdout.strip()
        .splitlines()[0]
    )


def on_the_server(server: dict, sql: str) -> str:
    return as_postgres("psql", "-X", "-A", "-t", server["app_url"], "-c", sql).stdout.strip()


def archive_the_current_wal(server: dict) -> None:
    """Closes the current WAL segment and waits until archive_command has stored it."""
    segment = as_postgres(
        "psql",
        "-X",
        "-A",
        "-t",
        server["url"],
        "-c",
        "SELECT pg_walfile_name(pg_switch_wal())",
    ).stdout.strip()
    deadline = time.monotonic() + 120
    while not (server["archive"] / f"{segment}.age").exists():
        assert time.monotonic() < deadline, f"{segment} was never archived"
        time.sleep(0.5)


def pitr_drill(source, accounts, service_python, server: dict, *options: str):
    """The documented drill with the archiving server's WAL archive and base backups."""
    result = documented_drill(
        source,
        accounts,
        service_python,
        "--wal-archive",
        str(server["archive"]),
        "--base-backups",
        str(server["base"]),
        *options,
    )
    assert_drill_passed(result)
    return result


def test_point_in_time_recovery_replays_the_wal_written_after_the_base_backup(
    source, accounts, service_python, archiving_server
):
    documented_backup(source, accounts)  # the drill proves the nightly dump first
    server = archiving_server
    # A change after the base backup: only the WAL archive holds it.
    marker = audit_marker(server, "pitr-marker")
    archive_the_current_wal(server)

    result = pitr_drill(source, accounts, service_python, server)
    output = result.stdout + result.stderr
    assert "pitr: WAL replayed up to" in result.stdout, output
    assert re.search(r"pitr: /health/ 200 .*\"database\": \"ok\"", result.stdout), output
    assert f"pitr: newest change {marker}+09:00 (kobepost_auditevent.occurred_at)" in output
    assert re.search(r"pitr: RTO \d+ min \d\d s \(target ≤ 30 min: met\)", result.stdout)
    assert re.search(rf"pitr: RPO newest restored change {marker}\+09:00", result.stdout)


def test_point_in_time_recovery_stops_at_the_recovery_target_time(
    source, accounts, service_python, archiving_server
):
    """deploy/README.md: recover to "just before someone deleted a department's cases"."""
    documented_backup(source, accounts)
    server = archiving_server
    kept = audit_marker(server, "before-the-mistake")
    kept_rows = on_the_server(server, "SELECT count(*) FROM kobepost_auditevent")
    # The moment chosen for the recovery: after the first change committed, before the next.
    target = on_the_server(
        server, "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.US TZH:TZM')"
    )
    audit_marker(server, "the-mistake")
    assert int(on_the_server(server, "SELECT count(*) FROM kobepost_auditevent")) > int(kept_rows)
    archive_the_current_wal(server)

    result = pitr_drill(source, accounts, service_python, server, "--recovery-target-time", target)
    output = result.stdout + result.stderr
    assert re.search(
        r"pitr: recovery target \S+ \S+\+09:00: recovery stopping before commit", output
    )
    # The change after the target is not in the recovered copy; the one before it is.
    assert f"newest audit rows read ({kept_rows} in all)" in output
    assert f"pitr: newest change {kept}+09:00" in output
    assert re.search(r"pitr: RPO newest restored change \S+, .* before the recovery target", output)
