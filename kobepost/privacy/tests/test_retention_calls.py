"""Callers' numbers in the journal go with the retention job, once an administrator
approves the disposal list; the journal rows stay for the statistics."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.cti.tests import conftest as cti_fixtures
from kobepost.privacy import retention
from kobepost.privacy.models import DisposalItem, LegalHold, RetentionClass
from tickets.models import Dial
from tickets.tests.factories import make_case

pbx = cti_fixtures.pbx  # the phone system's own fixture: (pbx, token)
TODAY = datetime.datetime(2030, 6, 1, 12, 0, tzinfo=datetime.UTC)  # fiscal year 2030


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


@time_machine.travel(TODAY, tick=False)
def test_numbers_past_their_dials_class_are_listed_per_dial_and_erased(pbx, dials, approve):
    one_year = RetentionClass.objects.create(name="1年保存", years=1)
    three_years = RetentionClass.objects.create(name="3年保存", years=3)
    Dial.objects.filter(code="roads").update(retention_class=one_year)
    Dial.objects.filter(code="hygiene").update(retention_class=three_years)
    # FY2028 + 1 year ends 2030-03-31: expired on 2030-06-01. FY2029 + 1 runs into 2031.
    old_road = ring(pbx, "r-old", dials["roads"], started(2029, 3, 31))
    new_road = ring(pbx, "r-new", dials["roads"], started(2029, 4, 1))
    hygiene = ring(pbx, "h-old", dials["hygiene"], started(2029, 3, 31))
    # A dial without a class, and a call without a dial, follow the shortest class.
    clean = ring(pbx, "c-old", dials["clean110"], started(2028, 5, 1))
    no_dial = ring(pbx, "n-old", None, started(2028, 5, 1))

    listed = retention.disposal_batch_prepare()
    items = {(i.kind, i.record_id): i for i in listed.items.all()}
    assert set(items) == {
        ("calls", dials["roads"].pk),
        ("calls", dials["clean110"].pk),
        ("calls", retention.NO_DIAL),
    }
    assert items["calls", dials["roads"].pk].expired_on == datetime.date(2030, 3, 31)
    assert items["calls", retention.NO_DIAL].label == "ダイヤル不明"
    assert all("078" not in item.label for item in items.values())

    batch = approve()
    assert batch.call_number_count == 3
    assert not kept(old_road) and not kept(clean) and not kept(no_dial)
    assert kept(new_road) and kept(hygiene)
    old_road.refresh_from_db()
    assert old_road.caller_phone_digits == "" and old_road.outcome == Call.Outcome.ANSWERED
    assert not retention.expired_call_numbers(TODAY.date()).exists()


@time_machine.travel(TODAY, tick=False)
def test_nothing_is_listed_without_any_retention_class(pbx, dials):
    call = ring(pbx, "x-1", dials["roads"], started(2020, 5, 1))
    assert retention.disposal_batch_prepare() is None and kept(call)


@time_machine.travel(TODAY, tick=False)
def test_a_call_whose_case_is_on_legal_hold_keeps_its_number(
    pbx, dials, operator, admin_user, approve
):
    RetentionClass.objects.create(name="1年保存", years=1)
    call = ring(pbx, "h-1", dials["roads"], started(2027, 5, 1))
    case = make_case(operator)
    Call.objects.filter(pk=call.pk).update(case=case)
    hold = LegalHold.objects.create(case=case, reason="情報公開請求", created_by=admin_user)
    assert retention.disposal_batch_prepare() is None and kept(call)
    LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now())
    assert approve().call_number_count == 1 and not kept(call)


@time_machine.travel(TODAY, tick=False)
def test_a_hold_set_after_the_listing_wins_at_approval(pbx, dials, operator, admin_user):
    RetentionClass.objects.create(name="1年保存", years=1)
    call = ring(pbx, "h-2", dials["roads"], started(2027, 5, 1))
    case = make_case(operator)
    Call.objects.filter(pk=call.pk).update(case=case)
    batch = retention.disposal_batch_prepare()
    LegalHold.objects.create(case=case, reason="訴訟", created_by=admin_user)
    batch = retention.disposal_batch_approve(batch=batch, user=admin_user)
    assert batch.call_number_count == 0 and kept(call)
    assert batch.items.get().outcome == DisposalItem.Outcome.HELD
