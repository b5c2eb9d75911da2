"""Fill the digits-only phone of every case from its phone number.

Until now only the operator's intake form wrote ``caller_phone_digits``; cases made by the
department's intake, the admin, corrections or imports had it empty, so the phone history
missed them and the outbound scrubber (tickets.outbound) could not recognise their number
written another way. ``Case.save()`` now derives it on every save; this fills the rows
saved before. Only rows whose digits differ are written.
"""

from django.db import migrations

from tickets.normalize import phone_digits

BATCH = 2000


def fill_phone_digits(apps, schema_editor):
    Case = apps.get_model("tickets", "Case")
    rows = (
        Case.objects.exclude(caller_phone="", caller_phone_digits="")
        .order_by("pk")
        .values_list("pk", "caller_phone", "caller_phone_digits")
    )
    last_pk = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last_pk)[:BATCH]):
            changed = [
                (digits, pk)
                for pk, phone, stored in batch
                if (digits := phone_digits(phone)) != stored
            ]
            if changed:
                cursor.executemany(
                    "UPDATE tickets_case SET caller_phone_digits = %s WHERE id = %s", changed
                )
            last_pk = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0016_disposal_record_classes_and_call_notes"),
    ]

    operations = [
        migrations.RunPython(fill_phone_digits, migrations.RunPython.noop, elidable=True),
    ]
