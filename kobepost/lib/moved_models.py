"""Migrations that move models between apps without touching their tables (issue 16).

A model that moves to another app keeps its table (``Meta.db_table``); the migrations only
change Django's record of which app owns it (``SeparateDatabaseAndState`` with no database
operations). The content types follow the model, so permissions granted on it stay granted.
"""

from collections.abc import Iterable

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def content_types_follow(
    *, from_label: str, to_label: str, models: Iterable[str]
) -> migrations.RunPython:
    """Move the content types of ``models`` (lower-case names) from one app label to another."""
    names = list(models)

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        move(apps, schema_editor, from_label, to_label)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        move(apps, schema_editor, to_label, from_label)

    def move(apps: StateApps, schema_editor, source: str, target: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        rows = content_type.objects.using(schema_editor.connection.alias)
        # A content type already created under the new label (post_migrate of an earlier
        # run) wins; the old one is left as Django leaves stale content types.
        taken = set(rows.filter(app_label=target, model__in=names).values_list("model", flat=True))
        rows.filter(app_label=source, model__in=set(names) - taken).update(app_label=target)

    return migrations.RunPython(forwards, backwards)
