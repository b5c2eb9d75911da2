"""Calls follow the retention classes by the rule cases follow (retention.CLASS_PATHS): the
journal's numbers and the FAQ calls' notes go at the end of their period counted from the
fiscal year after the call, once an administrator approves the list; a call that became a
case goes with its case; a call with no class is kept and said to be kept."""

import datetime
import logging

import pytest
import time_machine
from django.utils import timezone

from faq.models import SimpleCall
from faq.services import call_log
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.cti.tests import conftest as cti_fixtures
from kobepost.privacy import retention
from kobepost.privacy.models import DataRequest, DisposalItem, LegalHold, RetentionClass
from kobepost.privacy.tasks import list_expired_records
from kobepost.privacy.tests.conftest import closed_case, jst
from tickets.models import Case, Dial
from tickets.tests.factories import make_case

pbx = cti_fixtures.pbx  # the phone system's own fixture: (pbx, token)
NUMBER = "078-331-8181"
# The first and the last day of fiscal year 2029 and of 2030, in Japan.
LAST_DAY_KEPT = datetime.date(2030, 3, 31)
FIRST_DAY_EXPIRED = datetime.date(2030, 4, 1)


@pytest.fixture
def dials(kobe):
    return {dial.code: dial for dial in Dial.objects.all()}


@pytest.fixture
def one_year(dials):
    """Roads calls are kept a year, hygiene calls three; クリーン110番 has no class."""
    one = RetentionClass.objects.create(name="1年保存", years=1)
    three = RetentionClass.objects.create(name="3年保存", years=3)
    Dial.objects.filter(code="roads").update(retention_class=one)
    Dial.objects.filter(code="hygiene").update(retention_class=three)
    return one


def ring(pbx, call_id, dial, at, *, talk=60) -> Call:
    return ring_call(
        pbx[0],
        call_id,
        at=at,
        caller=NUMBER,
        dial_id=dial.pk if dial else None,
        extension="201",
        outcome="answered",
        ring=5,
        talk=talk,
    )


def kept(call: Call) -> bool:
    call.refresh_from_db()
    return call.caller_phone == NUMBER and call.number_purged_at is None


def due_numbers(today: datetime.date) -> set[str]:
    return set(retention.expired_call_numbers(today).values_list("call_id", flat=True))


def approve_on(day: datetime.date, admin_user, capture):
    with time_machine.travel(jst(day.year, day.month, day.day, 12), tick=False):
        batch = retention.disposal_batch_prepare()
        assert batch is not None, "nothing was listed"
        with capture(execute=True):
            return retention.disposal_batch_approve(batch=batch, user=admin_user)


def test_a_number_expires_at_the_end_of_its_dials_class_counted_from_the_calls_end(
    pbx, dials, one_year
):
    # Ended on March 31 (fiscal 2028): kept through fiscal 2029, the one year of its class.
    ring(pbx, "march", dials["roads"], jst(2029, 3, 31, 23, 58), talk=30)
    # Rang on March 31 but ended after midnight: the call was complete in fiscal 2029.
    ring(pbx, "midnight", dials["roads"], jst(2029, 3, 31, 23, 59), talk=120)
    ring(pbx, "april", dials["roads"], jst(2029, 4, 1, 0, 0), talk=30)
    # The same day under three years.
    ring(pbx, "hygiene", dials["hygiene"], jst(2029, 3, 31, 10, 0))

    assert due_numbers(LAST_DAY_KEPT) == set()
    assert due_numbers(FIRST_DAY_EXPIRED) == {"march"}
    assert due_numbers(datetime.date(2031, 4, 1)) == {"march", "midnight", "april"}
    assert due_numbers(datetime.date(2032, 4, 1)) == {"march", "midnight", "april", "hygiene"}


def test_expired_numbers_are_listed_per_dial_and_erased_on_approval(
    pbx, dials, one_year, admin_user, django_capture_on_commit_callbacks
):
    old = ring(pbx, "old", dials["roads"], jst(2028, 5, 1, 10))
    recent = ring(pbx, "recent", dials["roads"], jst(2029, 4, 1, 10))

    with time_machine.travel(jst(2030, 4, 1, 12), tick=False):
        batch = retention.disposal_batch_prepare()
    [item] = batch.items.all()
    assert (item.kind, item.record_id) == ("calls", dials["roads"].pk)
    assert item.label == dials["roads"].name
    assert item.expired_on == LAST_DAY_KEPT and item.retention_class == "1年保存（1年）"
    assert NUMBER not in item.label

    batch = approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    assert batch.call_number_count == 1
    assert not kept(old) and kept(recent)
    # The statistics keep the call.
    assert old.caller_phone_digits == "" and old.outcome == Call.Outcome.ANSWERED
    assert old.dial_id == dials["roads"].pk and old.talk_seconds == 60


def test_a_call_with_no_class_is_kept_and_counted_never_given_a_guessed_period(
    pbx, dials, one_year, caplog
):
    # クリーン110番 has no class, and the PBX did not say which dial this one called.
    unclassified = ring(pbx, "clean", dials["clean110"], jst(2010, 5, 1, 10))
    no_dial = ring(pbx, "no-dial", None, jst(2010, 5, 1, 10))

    assert due_numbers(datetime.date(2040, 4, 1)) == set()
    assert retention.unclassified_counts() == {"通話記録の電話番号": 2}
    with caplog.at_level(logging.WARNING, logger="tickets.tasks"):
        assert list_expired_records.delay().get() is None
    assert "2 通話記録の電話番号 kept, no retention class set" in caplog.text
    assert "8181" not in caplog.text
    assert kept(unclassified) and kept(no_dial)


def test_a_call_that_became_a_case_is_kept_while_its_case_is_and_goes_with_it(
    pbx, dials, one_year, operator, staff_tobu, admin_user, django_capture_on_commit_callbacks
):
    # Both calls are long past their dial's year; the cases are of the roads dial too.
    of_open_case = ring(pbx, "open-case", dials["roads"], jst(2020, 5, 1, 10))
    of_closed_case = ring(pbx, "closed-case", dials["roads"], jst(2020, 5, 1, 11))
    open_case = make_case(operator)
    closed = closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    Call.objects.filter(pk=of_open_case.pk).update(case=open_case)
    Call.objects.filter(pk=of_closed_case.pk).update(case=closed, case_existing=True)
    # Not listed on their own: they are part of their case's file.
    assert due_numbers(FIRST_DAY_EXPIRED) == set()

    batch = approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    assert set(batch.items.values_list("kind", "record_id")) == {("case", closed.pk)}
    assert batch.case_count == 1 and batch.call_number_count == 1
    assert not kept(of_closed_case) and kept(of_open_case)
    assert of_closed_case.number_purged_at == Case.objects.get(pk=closed.pk).disposed_at


def test_a_hold_on_the_case_holds_the_number_of_its_call(
    pbx, dials, one_year, operator, staff_tobu, admin_user, django_capture_on_commit_callbacks
):
    call = ring(pbx, "held", dials["roads"], jst(2020, 5, 1, 10))
    case = closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    Call.objects.filter(pk=call.pk).update(case=case)
    hold = LegalHold.objects.create(case=case, reason="情報公開請求", created_by=admin_user)
    assert due_numbers(FIRST_DAY_EXPIRED) == set()
    with time_machine.travel(jst(2030, 4, 1, 12), tick=False):
        assert retention.disposal_batch_prepare() is None
    assert kept(call)

    LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now())
    batch = approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    assert batch.call_number_count == 1 and not kept(call)


def test_a_call_of_a_case_disposed_of_earlier_follows_its_own_dial(pbx, dials, one_year, operator):
    call = ring(pbx, "late-link", dials["roads"], jst(2028, 5, 1, 10))
    case = make_case(operator)
    Case.objects.filter(pk=case.pk).update(disposed_at=timezone.now())
    Call.objects.filter(pk=call.pk).update(case=case)
    assert due_numbers(LAST_DAY_KEPT) == set()
    assert due_numbers(FIRST_DAY_EXPIRED) == {"late-link"}


def test_faq_call_notes_follow_their_dials_class_from_the_fiscal_year_after(
    operator, dials, one_year
):
    def logged(at: datetime.datetime, dial: Dial) -> SimpleCall:
        call = call_log(operator=operator, dial=dial, topic="道路の穴", note="日向 078-331-8181")
        SimpleCall.objects.filter(pk=call.pk).update(created_at=at)
        return call

    march = logged(jst(2029, 3, 31, 23, 59), dials["roads"])
    april = logged(jst(2029, 4, 1, 0, 0), dials["roads"])
    logged(jst(2010, 4, 1, 0, 0), dials["clean110"])  # no class: kept, counted

    def due(today: datetime.date) -> set[int]:
        return set(retention.expired_call_notes(today).values_list("pk", flat=True))

    assert due(LAST_DAY_KEPT) == set()
    assert due(FIRST_DAY_EXPIRED) == {march.pk}
    assert due(datetime.date(2031, 3, 31)) == {march.pk}
    assert due(datetime.date(2031, 4, 1)) == {march.pk, april.pk}
    assert retention.unclassified_counts() == {"簡易対応のメモ": 1}


def test_the_disposal_page_tells_the_administrator_what_is_kept_for_want_of_a_class(
    pbx, dials, one_year, admin_user, login_client
):
    ring(pbx, "clean", dials["clean110"], jst(2010, 5, 1, 10))
    response = login_client(admin_user).get("/admin/privacy/disposalbatch/")
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any("通話記録の電話番号 1 件は保存年限の区分が未設定" in text for text in shown), shown
    assert NUMBER not in response.content.decode()


def test_the_admins_unclassified_case_filter_is_the_disposal_rule(operator, staff_tobu, kobe):
    unset = closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    kept_under = (
        Case.objects.filter(pk=unset.pk)
        .annotate(kept_under=retention.kept_under(Case))
        .values_list("kept_under", flat=True)
        .get()
    )
    assert kept_under is None
    assert Case.objects.filter(retention.unclassified(Case)).filter(pk=unset.pk).exists()
    assert retention.unclassified_counts() == {str(DisposalItem.Kind.CASE.label): 1}


def test_a_data_request_finds_the_callers_journal_calls_and_holds_their_numbers(
    pbx, dials, one_year, admin_user, login_client, django_capture_on_commit_callbacks
):
    """開示等の請求: the journal keeps the caller's number, so it is found like a case, and
    while the request is open its number outlives its period; closing the request lets the
    next approved list erase it."""
    call = ring(pbx, "requested", dials["roads"], jst(2028, 5, 1, 10))
    other = ring(pbx, "someone-else", dials["roads"], jst(2028, 5, 1, 11))
    Call.objects.filter(pk=other.pk).update(
        caller_phone="078-000-1111", caller_phone_digits="0780001111"
    )
    client = login_client(admin_user)
    response = client.post(
        "/privacy/",
        {
            "kind": "disclosure",
            "received_on": "2030-03-01",
            "requester_phone": "０７８-３３１-８１８１",
        },
    )
    assert response.status_code == 302
    data_request = DataRequest.objects.latest("pk")
    page = client.get(f"/privacy/{data_request.pk}/").content.decode()
    assert "通話記録" in page and NUMBER in page and "078-000-1111" not in page
    hold = LegalHold.objects.get(data_request=data_request, call=call)
    assert not LegalHold.objects.filter(call=other).exists()

    assert due_numbers(FIRST_DAY_EXPIRED) == {"someone-else"}
    approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    assert kept(call)

    LegalHold.objects.filter(pk=hold.pk).update(released_at=timezone.now())
    batch = approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    assert batch.call_number_count == 1 and not kept(call)


def test_a_held_call_keeps_its_number_when_its_case_is_disposed_of(
    pbx, dials, one_year, operator, staff_tobu, admin_user, django_capture_on_commit_callbacks
):
    call = ring(pbx, "held-alone", dials["roads"], jst(2020, 5, 1, 10))
    case = closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    Call.objects.filter(pk=call.pk).update(case=case)
    LegalHold.objects.create(call=call, reason="開示等の請求", created_by=admin_user)
    approve_on(FIRST_DAY_EXPIRED, admin_user, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.disposed_at is not None
    assert kept(call)


def test_every_store_kept_for_want_of_a_class_is_counted_in_one_query(
    pbx, dials, one_year, operator, staff_tobu, admin_user, login_client, django_assert_num_queries
):
    """The disposal list's warning is read on every admin visit: one query, whatever the
    number of stores and records."""
    from kobepost.public.models import Post, PostCategory
    from kobepost.public.tests.fixtures import make_citizen, make_post

    closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    closed_case(operator, staff_tobu, jst(2020, 6, 2, 9))
    Case.objects.update(dial=dials["clean110"])  # neither category nor dial has a class
    make_post(
        make_citizen(),
        category=PostCategory.objects.get(code="street-light"),
        status=Post.Status.DONE,
    )
    call_log(operator=operator, dial=dials["clean110"], topic="収集日", note="日向 078-331-8181")
    ring(pbx, "clean", dials["clean110"], jst(2010, 5, 1, 10))
    ring(pbx, "no-dial", None, jst(2010, 5, 1, 10))
    ring(pbx, "roads", dials["roads"], jst(2010, 5, 1, 10))  # has a class: not counted
    expected = {
        str(DisposalItem.Kind.CASE.label): 2,
        str(DisposalItem.Kind.POST.label): 1,
        str(DisposalItem.Kind.CALL_NOTES.label): 1,
        str(DisposalItem.Kind.CALL_NUMBERS.label): 2,
    }
    with django_assert_num_queries(1):
        assert retention.unclassified_counts() == expected

    SimpleCall.objects.all().delete()
    with django_assert_num_queries(1):
        counts = retention.unclassified_counts()
    assert str(DisposalItem.Kind.CALL_NOTES.label) not in counts
