"""One normalised search text per case, with one trigram index in place of four.

Words of three or more characters were four LIKEs (UPPER(title), UPPER(details),
UPPER(caller_name), caller_kana), each with its own pg_trgm index: four index scans to count
the matches and four LIKEs per row when the newest-first index is walked. ``search_text``
holds the four texts in the search spelling (NFKC, upper case, katakana), so one LIKE and one
index serve a search, and hiragana/katakana, full/half width and case no longer matter.
"""

from django.db import migrations, models

from tickets.normalize import search_text

BATCH = 2000
OLD_INDEXES = {
    "case_title_trgm_idx": "USING gin (UPPER(title) gin_trgm_ops)",
    "case_details_trgm_idx": "USING gin (UPPER(details) gin_trgm_ops)",
    "case_caller_name_trgm_idx": "USING gin (UPPER(caller_name) gin_trgm_ops)",
    "case_caller_kana_trgm_idx": "USING gin (caller_kana gin_trgm_ops)",
}


def fill_search_text(apps, schema_editor):
    Case = apps.get_model("tickets", "Case")
    columns = ("pk", "title", "details", "caller_name", "caller_kana")
    rows = Case.objects.order_by("pk").values_list(*columns)
    last_pk = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last_pk)[:BATCH]):
            cursor.executemany(
                "UPDATE tickets_case SET search_text = %s WHERE id = %s",
                [(search_text(*texts), pk) for pk, *texts in batch],
            )
            last_pk = batch[-1][0]


def use_one_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_search_text_trgm_idx "
        "ON tickets_case USING gin (search_text gin_trgm_ops)"
    )
    schema_editor.execute("ANALYZE tickets_case")


def use_four_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_search_text_trgm_idx")
    for name, definition in OLD_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_case {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0013_case_search_tokens_array"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(use_one_trigram_index, use_four_trigram_indexes),
    ]
