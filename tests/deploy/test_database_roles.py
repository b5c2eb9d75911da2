"""The production database roles (deploy/db/) on the real PostgreSQL: the runtime role
cannot erase the audit trail.

As the deploy README says: roles.sql (as the superuser) makes an owner role and a runtime
role, both plain non-superusers, and a database owned by the owner; migrate-as-owner.sh
migrates as the owner and applies grants.sql. Then, connected as the runtime role with
psycopg, TRUNCATE, ALTER TABLE … DISABLE TRIGGER, UPDATE and DELETE on the audit trail
all fail, while INSERT and SELECT work and the application's other tables are writable;
the application itself runs as that role (seed_demo), and cannot flush the database.
The roles and the database are dropped afterwards.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from tests.deploy.test_backup_restore import age_key
from tests.fixtures import service_missing
from tests.services import database_url

DEPLOY = Path(settings.BASE_DIR) / "deploy"
DEPLOY_DB = DEPLOY / "db"


def run(command: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        env={**os.environ, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def manage(*args: str, deployed: dict) -> subprocess.CompletedProcess:
    """manage.py as the runtime role, as the service runs it; tasks in-process."""
    return run(
        [sys.executable, "manage.py", *args],
        env={
            "DATABASE_URL": deployed["app"],
            "VAR_DIR": str(deployed["var"]),
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "REDIS_URL": "",
        },
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A database set up as in production; yields the runtime and owner URLs."""
    if not settings.USING_POSTGRESQL:
        pytest.skip("database roles exist on PostgreSQL only (DATABASE_URL is SQLite)")
    if shutil.which("psql") is None:
        service_missing("psql is not installed")
    admin_url = database_url(name="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        may = admin.execute(
            "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles"
            " WHERE rolname = current_user"
        ).fetchone()[0]
        if not may:
            service_missing("the test database user may not create roles and databases")
    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    owner, app, name = f"kp_owner_{suffix}", f"kp_app_{suffix}", f"kp_roles_{suffix}"
    passwords = {owner: secrets.token_urlsafe(16), app: secrets.token_urlsafe(16)}
    try:
        variables = [f"owner={owner}", f"app={app}", f"db={name}"]
        created = run(
            [
                "psql",
                "-X",
                "-q",
                f"--dbname={admin_url}",
                *(option for pair in variables for option in ("-v", pair)),
                "-f",
                str(DEPLOY_DB / "roles.sql"),
            ],
            env={},
        )
        assert created.returncode == 0, created.stdout + created.stderr
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for role, password in passwords.items():
                admin.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
        urls = {
            role: database_url(name=name, user=role, password=password)
            for role, password in passwords.items()
        }
        migrated = run(
            [str(DEPLOY_DB / "migrate-as-owner.sh")],
            env={
                "MIGRATE_DATABASE_URL": urls[owner],
                "APP_DB_ROLE": app,
                "PYTHON": sys.executable,
            },
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield {
            "admin": admin_url,
            "app": urls[app],
            "app_role": app,
            "owner": urls[owner],
            "owner_role": owner,
            "passwords": passwords,
            "name": name,
            "var": tmp_path_factory.mktemp("var"),
        }
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for database in (name, f"{name}_restored"):
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )
            for role in (app, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def as_app(deployed):
    with psycopg.connect(deployed["app"], autocommit=True) as connection:
        yield connection


def append_audit_row(connection, detail: str) -> int:
    return connection.execute(
        "INSERT INTO kobepost_auditevent (occurred_at, action, username, address, path,"
        " record_type, record_id, fields, detail)"
        " VALUES (now(), 'record_view', 'op_test', '127.0.0.1', '/callcenter/cases/1/',"
        " 'tickets.case', '1', '[]', %s) RETURNING id",
        [detail],
    ).fetchone()[0]


def audit_detail(connection, row_id: int) -> str | None:
    found = connection.execute(
        "SELECT detail FROM kobepost_auditevent WHERE id = %s", [row_id]
    ).fetchone()
    return found[0] if found else None


def assert_refused_by_privileges(connection, statement: str, params=()) -> None:
    """Refused by the privileges, before the append-only trigger (the second line of
    defence, which an owner could switch off) is ever reached."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        connection.execute(statement, params)
    message = str(refused.value)
    assert "append-only" not in message
    assert "permission denied" in message or "must be owner" in message, message


def test_the_roles_are_plain_and_the_owner_owns_everything(deployed, as_app):
    roles = dict(
        as_app.execute(
            "SELECT rolname, rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls"
            " FROM pg_roles WHERE rolname IN (%s, %s)",
            [deployed["app_role"], deployed["owner_role"]],
        ).fetchall()
    )
    assert roles == {deployed["app_role"]: False, deployed["owner_role"]: False}
    owners = {
        row[0]
        for row in as_app.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    }
    assert owners == {deployed["owner_role"]}


def test_the_runtime_role_appends_to_the_audit_trail_and_reads_it(as_app):
    row_id = append_audit_row(as_app, "appended")
    assert audit_detail(as_app, row_id) == "appended"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE kobepost_auditevent SET detail = 'rewritten' WHERE id = {id}",
        "DELETE FROM kobepost_auditevent WHERE id = {id}",
        "TRUNCATE kobepost_auditevent",
        "TRUNCATE kobepost_user CASCADE",
        "ALTER TABLE kobepost_auditevent DISABLE TRIGGER kobepost_auditevent_no_delete",
        "ALTER TABLE kobepost_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER kobepost_auditevent_no_delete ON kobepost_auditevent",
        "DROP TABLE kobepost_auditevent",
        "CREATE TABLE kobepost_auditevent_copy (id int)",
    ],
)
def test_the_runtime_role_cannot_change_or_erase_audit_rows(as_app, statement):
    row_id = append_audit_row(as_app, "kept")
    assert_refused_by_privileges(as_app, statement.format(id=row_id))
    assert audit_detail(as_app, row_id) == "kept"


def test_the_attack_of_the_issue_fails_switch_off_the_trigger_then_delete(as_app):
    row_id = append_audit_row(as_app, "kept")
    assert_refused_by_privileges(as_app, "ALTER TABLE kobepost_auditevent DISABLE TRIGGER ALL")
    assert_refused_by_privileges(as_app, "DELETE FROM kobepost_auditevent WHERE id = %s", [row_id])
    assert audit_detail(as_app, row_id) == "kept"


def test_the_applications_tables_are_writable_but_not_truncated(as_app):
    dial = as_app.execute(
        "INSERT INTO tickets_dial (code, name, phone, sort_order)"
        " VALUES ('roles-test', 'テスト', '', 0) RETURNING id"
    ).fetchone()[0]
    as_app.execute("UPDATE tickets_dial SET name = 'テスト2' WHERE id = %s", [dial])
    assert as_app.execute("SELECT name FROM tickets_dial WHERE id = %s", [dial]).fetchone() == (
        "テスト2",
    )
    as_app.execute("DELETE FROM tickets_dial WHERE id = %s", [dial])
    assert as_app.execute("SELECT id FROM tickets_dial WHERE id = %s", [dial]).fetchone() is None
    assert_refused_by_privileges(as_app, "TRUNCATE tickets_dial CASCADE")
    assert_refused_by_privileges(
        as_app, "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())"
    )


def test_the_application_runs_as_the_runtime_role_and_cannot_flush(deployed, as_app):
    seeded = manage("seed_demo", deployed=deployed)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    cases = as_app.execute("SELECT count(*) FROM tickets_case").fetchone()[0]
    assert cases > 0
    row_id = append_audit_row(as_app, "kept")
    flushed = manage("flush", "--noinput", deployed=deployed)  # TRUNCATE of every table
    assert flushed.returncode != 0 and "couldn't be flushed" in flushed.stderr
    assert audit_detail(as_app, row_id) == "kept"
    assert as_app.execute("SELECT count(*) FROM tickets_case").fetchone()[0] == cases
    unapplied = manage("migrate", "--check", deployed=deployed)
    assert unapplied.returncode == 0, unapplied.stdout + unapplied.stderr


def test_the_runtime_role_backs_up_and_a_restore_gets_the_same_privileges(deployed, tmp_path):
    if shutil.which("age") is None:
        service_missing("age is not installed (backups are encrypted: apt-get install age)")
    (tmp_path / "media").mkdir()
    key = age_key(tmp_path)
    backup = run(
        [str(DEPLOY / "backup" / "kobepost-backup.sh")],
        env={
            "DATABASE_URL": deployed["app"],
            "MEDIA_ROOT": str(tmp_path / "media"),
            "BACKUP_DIR": str(tmp_path / "backups"),
            "BACKUP_AGE_RECIPIENTS": str(key["recipients"]),
        },
    )
    assert backup.returncode == 0, backup.stdout + backup.stderr
    restored = f"{deployed['name']}_restored"
    with psycopg.connect(deployed["admin"], autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(restored), sql.Identifier(deployed["owner_role"])
            )
        )
        admin.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(restored), sql.Identifier(deployed["app_role"])
            )
        )
    owner_role, app_role = deployed["owner_role"], deployed["app_role"]
    restore = run(
        [
            str(DEPLOY / "backup" / "kobepost-restore.sh"),
            backup.stdout.strip().splitlines()[-1],
            "--database-url",
            database_url(
                name=restored, user=owner_role, password=deployed["passwords"][owner_role]
            ),
            "--media-dir",
            str(tmp_path / "restored-media"),
            "--app-role",
            app_role,
            "--identity",
            str(key["identity"]),
        ],
        env={},
    )
    assert restore.returncode == 0, restore.stdout + restore.stderr
    app_url = database_url(name=restored, user=app_role, password=deployed["passwords"][app_role])
    with psycopg.connect(app_url, autocommit=True) as as_app:
        row_id = append_audit_row(as_app, "restored")
        assert_refused_by_privileges(
            as_app, "DELETE FROM kobepost_auditevent WHERE id = %s", [row_id]
        )
        assert_refused_by_privileges(as_app, "TRUNCATE kobepost_auditevent")
        assert as_app.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0


def append_aged_audit_row(connection, detail: str, age: str) -> int:
    """An audit row written ``age`` ago (a PostgreSQL interval), as the owner may insert it."""
    return connection.execute(
        "INSERT INTO kobepost_auditevent (occurred_at, action, username, address, path,"
        " record_type, record_id, fields, detail)"
        " VALUES (now() - %s::interval, 'record_view', 'op_test', '127.0.0.1', '/',"
        " 'tickets.case', '1', '[]', %s) RETURNING id",
        [age, detail],
    ).fetchone()[0]


def test_the_runtime_role_cannot_purge_the_audit_trail_even_naming_a_cutoff(deployed, as_app):
    row_id = append_aged_audit_row(as_app, "old", "20 years")
    as_app.execute("SELECT set_config('kobepost.audit_purge_before', '2100-01-01', false)")
    assert_refused_by_privileges(as_app, "DELETE FROM kobepost_auditevent WHERE id = %s", [row_id])
    purged = manage("audit_purge", deployed=deployed)
    assert purged.returncode != 0 and "所有者ロール" in purged.stderr, purged.stderr
    assert audit_detail(as_app, row_id) == "old"


def test_the_owner_purges_only_rows_past_the_audit_retention(deployed, as_app):
    old = append_aged_audit_row(as_app, "past retention", "20 years")
    recent = append_aged_audit_row(as_app, "within retention", "1 day")
    purged = run(
        [sys.executable, "manage.py", "audit_purge"],
        env={
            "DATABASE_URL": deployed["owner"],
            "VAR_DIR": str(deployed["var"]),
            "REDIS_URL": "",
            "AUDIT_RETENTION_YEARS": "5",
        },
    )
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert audit_detail(as_app, old) is None
    assert audit_detail(as_app, recent) == "within retention"
    # The purge is itself on the trail, and the trail is append-only again afterwards.
    assert (
        as_app.execute(
            "SELECT count(*) FROM kobepost_auditevent WHERE action = 'audit_purged'"
        ).fetchone()[0]
        >= 1
    )
    with (
        psycopg.connect(deployed["owner"], autocommit=True) as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        owner.execute("DELETE FROM kobepost_auditevent WHERE id = %s", [recent])
