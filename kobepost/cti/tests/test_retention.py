"""Callers' numbers in the journal go when their retention ends; the rows stay."""

import datetime

import pytest
from django.utils import timezone

from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.cti.retention import call_numbers_purge
from kobepost.cti.tasks import purge_call_numbers
from tickets.models import Dial, LegalHold, RetentionClass
from tickets.tests.factories import make_case

TODAY = datetime.date(2030, 6, 1)  # fiscal year 2030


def started(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


@pytest.fixture
def dials(kobe):
    return {dial.code: dial for dial in Dial.objects.all()}


def ring(pbx, call_id, dial, at) -> Call:
    return ring_call(
        pbx[0],
        call_id,
        at=at,
        caller="078-331-8181",
        dial_id=dial.pk if dial else None,
        extension="201",
        outcome="answered",
    )


def kept(call: Call) -> bool:
    call.refresh_from_db()
    return call.caller_phone == "078-331-8181" and call.number_purged_at is None


def test_numbers_past_their_dials_retention_are_erased_and_the_rows_stay(pbx, dials):
    one_year = RetentionClass.objects.create(name="1年保存", years=1)
    three_years = RetentionClass.objects.create(name="3年保存", years=3)
    Dial.objects.filter(code="roads").update(retention_class=one_year)
    Dial.objects.filter(code="hygiene").update(retention_class=three_years)
    # FY2028 + 1 year ends 2030-03-31: expired on 2030-06-01. FY2029 + 1 runs to 2031.
    old_road = ring(pbx, "r-old", dials["roads"], started(2029, 3, 31))
    new_road = ring(pbx, "r-new", dials["roads"], started(2029, 4, 1))
    hygiene = ring(pbx, "h-old", dials["hygiene"], started(2029, 3, 31))
    # A dial without a class, and a call without a dial, follow the shortest class.
    clean = ring(pbx, "c-old", dials["clean110"], started(2028, 5, 1))
    no_dial = ring(pbx, "n-old", None, started(2028, 5, 1))
    assert call_numbers_purge(today=TODAY) == 3
    assert not kept(old_road) and not kept(clean) and not kept(no_dial)
    assert kept(new_road) and kept(hygiene)
    old_road.refresh_from_db()
    assert old_road.caller_phone_digits == "" and old_road.outcome == Call.Outcome.ANSWERED
    assert call_numbers_purge(today=TODAY) == 0  # idempotent


def test_nothing_is_erased_without_any_retention_class(pbx, dials):
    call = ring(pbx, "x-1", dials["roads"], started(2020, 5, 1))
    assert call_numbers_purge(today=TODAY) == 0 and kept(call)


def test_a_call_whose_case_is_on_legal_hold_keeps_its_number(pbx, dials, operator, admin_user):
    RetentionClass.objects.create(name="1年保存", years=1)
    call = ring(pbx, "h-1", dials["roads"], started(2027, 5, 1))
    case = make_case(operator)
    Call.objects.filter(pk=call.pk).update(case=case)
    hold = LegalHold.objects.create(case=case, reason="情報公開請求", created_by=admin_user)
    assert call_numbers_purge(today=TODAY) == 0 and kept(call)
    LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now())
    assert call_numbers_purge(today=TODAY) == 1 and not kept(call)


def test_the_daily_job_erases_what_is_due_today(pbx, dials):
    RetentionClass.objects.create(name="1年保存", years=1)
    call = ring(pbx, "d-1", dials["roads"], timezone.now() - datetime.timedelta(days=800))
    assert purge_call_numbers.apply().get() == 1 and not kept(call)
