"""The digits-only phone (what the phone history and the outbound scrubber match) follows
the phone number on every path that writes a case, not only the operator's form."""

import importlib
import re

from django.apps import apps
from django.db import connection
from django.urls import reverse

from tickets.models import Case, Category
from tickets.tests.factories import make_case


def test_a_case_made_by_the_service_gets_the_digits_however_the_phone_was_typed(operator):
    case = make_case(operator, caller_phone="０７８（３３１）８１８１")
    assert Case.objects.get(pk=case.pk).caller_phone_digits == "0783318181"


def test_editing_only_the_phone_updates_the_digits(operator):
    case = make_case(operator, caller_phone="078-331-8181")
    case.caller_phone = "+81 90 1234 5678"
    case.save(update_fields=["caller_phone"])
    assert Case.objects.get(pk=case.pk).caller_phone_digits == "09012345678"
    case.caller_phone = ""
    case.save(update_fields=["caller_phone"])
    assert Case.objects.get(pk=case.pk).caller_phone_digits == ""


def test_digits_given_by_a_caller_cannot_disagree_with_the_phone(operator):
    case = make_case(operator, caller_phone="078-331-8181", caller_phone_digits="999")
    assert Case.objects.get(pk=case.pk).caller_phone_digits == "0783318181"


def test_migration_fills_the_digits_of_cases_saved_before(operator):
    filled = make_case(operator, caller_phone="078 331 8181")
    anonymous = make_case(operator)
    # Rows as the department intake and the admin left them before the migration.
    Case.objects.update(caller_phone_digits="")

    migration = importlib.import_module("tickets.migrations.0017_case_phone_digits_backfill")
    with connection.schema_editor() as schema_editor:
        migration.fill_phone_digits(apps, schema_editor)

    assert Case.objects.get(pk=filled.pk).caller_phone_digits == "0783318181"
    assert Case.objects.get(pk=anonymous.pk).caller_phone_digits == ""


def test_a_case_taken_at_the_department_counter_gets_the_digits(login_client, staff_tobu):
    client = login_client(staff_tobu)
    page = client.get(reverse("departments:case_create")).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("departments:case_create"),
        {
            "form_token": token,
            "kind": "report",
            "channel": "counter",
            "received_at": "2026-11-20T10:15",
            "category": Category.objects.get(code="streetlight").pk,
            "title": "窓口で聞いた街灯の件",
            "caller_name": "日向 花子",
            "caller_phone": "０７８－３３１－８１８１",
            "reply_needed": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.caller_phone, case.caller_phone_digits) == ("078-331-8181", "0783318181")
