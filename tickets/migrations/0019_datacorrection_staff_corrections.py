# Corrections by staff (the case correction screen) as well as by citizens' requests: the
# request becomes optional, the reason and the timeline line are kept with each row.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0018_case_callback_queue_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="datacorrection",
            name="data_request",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="corrections",
                to="tickets.datarequest",
                verbose_name="請求",
            ),
        ),
        migrations.AddField(
            model_name="datacorrection",
            name="reason",
            field=models.TextField(blank=True, verbose_name="訂正の理由"),
        ),
        migrations.AddField(
            model_name="datacorrection",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="corrections",
                to="tickets.caseevent",
                verbose_name="案件の経過",
            ),
        ),
    ]
