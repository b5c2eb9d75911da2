"""PostgreSQL search indexes (nothing to do on SQLite, where LIKE scans a small table).

- pg_trgm GIN on the normalised text: LIKE '%粗大ごみ%' for words of 3+ characters;
- GIN on the short-token text[] column: one- and two-character words (犬, 陥没).
CREATE EXTENSION needs a superuser once per database (or the DBA creates it beforehand).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS faq_entry_search_text_trgm "
    "ON faq_faqentry USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS faq_entry_search_tokens_gin "
    "ON faq_faqentry USING gin (search_tokens)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS faq_entry_search_tokens_gin",
    "DROP INDEX IF EXISTS faq_entry_search_text_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("faq", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
