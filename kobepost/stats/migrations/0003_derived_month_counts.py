from django.db import migrations


def forget_counted_months(apps, schema_editor):
    """The months counted before had no on-time or business-day rows: they are read live
    until stats_rollup (or the beat job) counts them again."""
    apps.get_model("stats", "StatsMonth").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0002_response_time_buckets"),
    ]

    operations = [
        migrations.RunPython(forget_counted_months, migrations.RunPython.noop),
    ]
