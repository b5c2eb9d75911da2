# The call-back queue: urgent first, then the longest wait since the department's reply
# (tickets.models.callback_order); its index follows the new order.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_case_phone_digits_backfill"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_awaiting_callback_idx",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                models.OrderBy(models.F("urgent"), descending=True),
                models.OrderBy(models.F("replied_at")),
                models.OrderBy(models.F("received_at")),
                models.OrderBy(models.F("id")),
                condition=models.Q(("direct_answer", False), ("reply_needed", True), ("status", "answered")),
                name="case_awaiting_callback_idx",
            ),
        ),
    ]
