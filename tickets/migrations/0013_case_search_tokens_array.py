"""Case search tokens become ``text[]`` on PostgreSQL (kobepost.lib.fields.TokenArrayField).

jsonb has no statistics for containment, so the planner took every word for a rare one and
read all matching rows to sort them: a common two-character word (陥没, ~18,000 of 500,000
cases) took over 100 ms. A text[] column gets most-common-element statistics from ANALYZE.
SQLite keeps the JSON list it already stores: only the migration state changes there.
"""

from django.db import migrations

import kobepost.lib.fields

TO_ARRAY = """
DROP INDEX IF EXISTS case_search_tokens_idx;
CREATE FUNCTION pg_temp.case_tokens_as_array(tokens jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT coalesce(array_agg(token ORDER BY token), '{}')
          FROM jsonb_array_elements_text(tokens) AS token $$;
ALTER TABLE tickets_case
    ALTER COLUMN search_tokens TYPE text[] USING pg_temp.case_tokens_as_array(search_tokens);
CREATE INDEX case_search_tokens_idx ON tickets_case USING gin (search_tokens);
ANALYZE tickets_case;
"""

TO_JSONB = """
DROP INDEX IF EXISTS case_search_tokens_idx;
ALTER TABLE tickets_case ALTER COLUMN search_tokens TYPE jsonb USING to_jsonb(search_tokens);
CREATE INDEX case_search_tokens_idx ON tickets_case USING gin (search_tokens jsonb_path_ops);
"""


def to_array(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TO_ARRAY)


def to_jsonb(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TO_JSONB)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_case_open_map_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(to_array, to_jsonb)],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="search_tokens",
                    field=kobepost.lib.fields.TokenArrayField(blank=True, default=list, editable=False),
                ),
            ],
        ),
    ]
