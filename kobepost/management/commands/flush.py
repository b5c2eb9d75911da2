"""Django's flush, able to empty the append-only audit table on SQLite as well.

``flush`` wipes the whole database (a developer's reset, the test runner between
transactional tests). PostgreSQL empties tables with TRUNCATE, which row triggers do not
see; SQLite deletes row by row, so the audit table's DELETE trigger is lifted for the
duration of the flush and put back, unchanged, in the same transaction.
"""

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

AUDIT_DELETE_TRIGGER = "kobepost_auditevent_no_delete"


class Command(DjangoFlushCommand):
    def handle(self, **options) -> None:
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [AUDIT_DELETE_TRIGGER],
            )
            row = cursor.fetchone()
            if row:
                cursor.execute(f"DROP TRIGGER {AUDIT_DELETE_TRIGGER}")
            super().handle(**options)
            if row:
                cursor.execute(row[0])
        return None
