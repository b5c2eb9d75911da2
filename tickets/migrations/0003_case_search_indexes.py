"""PostgreSQL-only search indexes for the case list (SQLite searches without them).

- pg_trgm GIN indexes on UPPER(title), UPPER(details), UPPER(caller_name): Django's
  ``icontains`` compares UPPER(column) LIKE UPPER(pattern), which these serve for 3+ characters.
- pg_trgm GIN index on caller_kana (already normalised katakana; searched with LIKE).
- A GIN (jsonb_path_ops) index on search_tokens: 1–2 character words (陥没, 日向) are found
  with ``search_tokens @> '["陥没"]'`` because trigrams cannot index them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("case_title_trgm_idx", "USING gin (UPPER(title) gin_trgm_ops)"),
    ("case_details_trgm_idx", "USING gin (UPPER(details) gin_trgm_ops)"),
    ("case_caller_name_trgm_idx", "USING gin (UPPER(caller_name) gin_trgm_ops)"),
    ("case_caller_kana_trgm_idx", "USING gin (caller_kana gin_trgm_ops)"),
    ("case_search_tokens_idx", "USING gin (search_tokens jsonb_path_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_case {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_case_timeline_and_counter"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
