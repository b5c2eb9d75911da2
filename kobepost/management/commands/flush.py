"""Django's flush, able to empty the append-only audit table on SQLite as well.

``flush`` wipes the whole database (a developer's reset, the test runner between
transactional tests). PostgreSQL empties tables with TRUNCATE, which row triggers do not
see; SQLite deletes row by row, so the audit table's DELETE trigger is lifted for the
duration of the flush and put back, unchanged, in the same transaction.
"""

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kobepost.audit.services import sqlite_audit_delete_trigger_lifted


class Command(DjangoFlushCommand):
    def handle(self, **options) -> None:
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with (
            transaction.atomic(using=database),
            connection.cursor() as cursor,
            sqlite_audit_delete_trigger_lifted(cursor),
        ):
            super().handle(**options)
        return None
