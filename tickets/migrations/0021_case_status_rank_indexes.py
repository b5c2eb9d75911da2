# The case list sorted by status (tickets.models.list_status_order), read from an index in
# both directions instead of sorting the archive; the status included in these and in the
# department inbox's すべて index, so deep pages pick their ids from the index alone (issue 19).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0020_disposal_of_call_numbers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                models.OrderBy(
                    models.Case(
                        models.When(status="received", then=models.Value(0)),
                        models.When(status="in_progress", then=models.Value(1)),
                        models.When(status="answered", then=models.Value(2)),
                        models.When(status="citizen_answered", then=models.Value(3)),
                        models.When(status="closed", then=models.Value(4)),
                        output_field=models.IntegerField(),
                    )
                ),
                models.OrderBy(models.F("received_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="case_status_rank_idx",
                include=["status"],
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                models.OrderBy(
                    models.Case(
                        models.When(status="received", then=models.Value(0)),
                        models.When(status="in_progress", then=models.Value(1)),
                        models.When(status="answered", then=models.Value(2)),
                        models.When(status="citizen_answered", then=models.Value(3)),
                        models.When(status="closed", then=models.Value(4)),
                        output_field=models.IntegerField(),
                    ),
                    descending=True,
                ),
                models.OrderBy(models.F("received_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="case_status_rank_desc_idx",
                include=["status"],
            ),
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_inbox_all_idx',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(models.F('department'), models.OrderBy(models.F('urgent'), descending=True), models.Case(models.When(status='received', then=models.Value(0)), models.When(status='in_progress', then=models.Value(1)), default=models.Value(2), output_field=models.IntegerField()), models.OrderBy(models.F('reply_due_date')), models.OrderBy(models.F('received_at')), models.OrderBy(models.F('id')), include=('status',), name='case_inbox_all_idx'),
        ),
    ]
