"""Backups for real on the local PostgreSQL: back up, restore drill passes, tampering fails.

The source is the test database itself (rows committed with transactional_db) plus media
files in a temporary MEDIA_ROOT; the drill restores into a scratch database it creates
and drops.
"""

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kobepost.models import User
from tests.fixtures import service_missing

BACKUP = Path(settings.BASE_DIR) / "deploy" / "backup"


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def source(transactional_db, kobe, make_user, tmp_path):
    if not settings.USING_POSTGRESQL:
        service_missing("backups are tested on PostgreSQL (DATABASE_URL)")
    for tool in ("pg_dump", "pg_restore", "psql", "sha256sum", "tar"):
        if shutil.which(tool) is None:
            service_missing(f"{tool} is not installed")
    make_user("backup_op", User.Role.OPERATOR, display_name="バックアップ 太郎")
    media = tmp_path / "media"
    (media / "cases" / "2026" / "11").mkdir(parents=True)
    (media / "cases" / "2026" / "11" / "道路の穴.jpg").write_bytes(os.urandom(20_000))
    (media / "cases" / "2026" / "11" / "memo 1.txt").write_text("現地確認済み\n")
    (media / "top.png").write_bytes(b"\x89PNG fake")
    return {
        "url": database_url(connection.settings_dict["NAME"]),
        "media": media,
        "backups": tmp_path / "backups",
    }


def run(script: str, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(BACKUP / script), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def back_up(source) -> Path:
    result = run(
        "kobepost-backup.sh",
        env={
            "DATABASE_URL": source["url"],
            "MEDIA_ROOT": str(source["media"]),
            "BACKUP_DIR": str(source["backups"]),
            "BACKUP_KEEP_DAYS": "7",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def drill(source):
    return run(
        "restore-drill.sh",
        "--backup-dir",
        str(source["backups"]),
        "--admin-url",
        database_url("postgres"),
    )


def reseal(backup: Path) -> None:
    """Recompute SHA256SUMS, as if the backup had been made that way."""
    names = ["db.dump", "media.tar.gz", "media.sha256", "rowcounts.tsv", "manifest.txt"]
    lines = [f"{hashlib.sha256((backup / n).read_bytes()).hexdigest()}  {n}\n" for n in names]
    (backup / "SHA256SUMS").write_text("".join(lines))


def scratch_databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'kobepost_drill_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_backup_then_drill_passes_and_cleans_up(source):
    old = source["backups"] / "kobepost-20200101T000000"
    old.mkdir(parents=True)
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    before = scratch_databases()

    backup = back_up(source)

    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "db.dump",
        "manifest.txt",
        "media.sha256",
        "media.tar.gz",
        "rowcounts.tsv",
    ]
    counts = dict(line.split("\t") for line in (backup / "rowcounts.tsv").read_text().splitlines())
    assert counts["public.kobepost_user"] == "1"
    assert int(counts["public.departments_department"]) > 5
    assert "./cases/2026/11/道路の穴.jpg" in (backup / "media.sha256").read_text()
    assert not old.exists(), "a backup older than BACKUP_KEEP_DAYS was kept"

    result = drill(source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "drill PASSED" in result.stdout
    assert "checksums of 3 media files match" in result.stdout
    assert scratch_databases() == before, "the drill left its scratch database behind"


def test_restore_refuses_a_database_that_has_tables(source, tmp_path):
    backup = back_up(source)
    result = run(
        "kobepost-restore.sh",
        str(backup),
        "--database-url",
        source["url"],
        "--media-dir",
        str(tmp_path / "restored"),
    )
    assert result.returncode != 0
    assert "use --force" in result.stderr
    assert User.objects.filter(username="backup_op").exists()


def tamper_archive_byte(backup: Path) -> None:
    data = bytearray((backup / "media.tar.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (backup / "media.tar.gz").write_bytes(bytes(data))


def tamper_media_file(backup: Path) -> None:
    """A consistent-looking backup whose archived photo differs from the recorded one."""
    archive = backup / "media.tar.gz"
    with tarfile.open(archive) as original:
        members = [(m, original.extractfile(m).read()) for m in original.getmembers()]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as rewritten:
        for member, content in members:
            if member.name.endswith("道路の穴.jpg"):
                content = content[:-1] + bytes([content[-1] ^ 0x01])
            rewritten.addfile(member, io.BytesIO(content))
    archive.write_bytes(gzip.compress(buffer.getvalue()))
    reseal(backup)


def tamper_row_count(backup: Path) -> None:
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
    before = scratch_databases()
    backup = back_up(source)
    tamper(backup)
    result = drill(source)
    assert result.returncode != 0
    assert message in result.stderr
    assert "drill FAILED" in result.stderr
    assert scratch_databases() == before
