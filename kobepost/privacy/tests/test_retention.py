"""Retention periods, the daily disposal list, approval, legal holds, temporary data."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.utils import timezone

from kobepost.privacy import retention
from kobepost.privacy.models import DisposalBatch, DisposalItem, LegalHold, RetentionClass
from kobepost.privacy.tasks import list_expired_records, purge_temporary_data
from kobepost.privacy.tests.conftest import JST, PERSONAL, closed_case, jst
from kobepost.public.models import Citizen, Post, PostPhoto
from kobepost.public.tests.fixtures import make_citizen, make_post
from tickets.models import Case, Category, IntakeToken
from tickets.search import search_cases
from tickets.tests.factories import make_case


def retention_search(case: Case, word: str) -> bool:
    return search_cases(Case.objects.filter(pk=case.pk), word).exists()


@pytest.mark.parametrize(
    ("closed_at", "expires_on"),
    [
        (jst(2026, 3, 31, 23, 59), datetime.date(2029, 3, 31)),
        (jst(2026, 4, 1, 0, 0), datetime.date(2030, 3, 31)),
        # 2026-03-31 15:30 UTC is already April 1 in Japan.
        (datetime.datetime(2026, 3, 31, 15, 30, tzinfo=datetime.UTC), datetime.date(2030, 3, 31)),
    ],
)
def test_expiry_counts_from_april_first_after_closing(closed_at, expires_on):
    assert retention.retention_expires_on(closed_at, 3) == expires_on


def test_listing_follows_the_fiscal_year_exactly(operator, staff_tobu, three_years):
    march = closed_case(operator, staff_tobu, jst(2026, 3, 31, 23, 59))
    april = closed_case(operator, staff_tobu, jst(2026, 4, 1, 0, 0))

    def listed(today):
        return {c.pk for c in retention.expired_cases(today)}

    assert listed(datetime.date(2029, 3, 31)) == set()
    assert listed(datetime.date(2029, 4, 1)) == {march.pk}
    assert listed(datetime.date(2030, 3, 31)) == {march.pk}
    assert listed(datetime.date(2030, 4, 1)) == {march.pk, april.pk}


def test_dial_class_applies_when_the_category_has_none(operator, staff_tobu, kobe):
    five = RetentionClass.objects.create(name="5年保存", years=5)
    case = closed_case(operator, staff_tobu, jst(2020, 6, 1, 9))
    assert list(retention.expired_cases(datetime.date(2030, 1, 1))) == []  # no class: kept
    case.dial.retention_class = five
    case.dial.save()
    assert [c.pk for c in retention.expired_cases(datetime.date(2026, 3, 31))] == []
    assert [c.pk for c in retention.expired_cases(datetime.date(2026, 4, 1))] == [case.pk]


def test_open_cases_are_never_listed(operator, three_years):
    make_case(operator, **PERSONAL)
    assert list(retention.expired_cases(datetime.date(2099, 4, 1))) == []


def test_daily_job_is_idempotent(operator, staff_tobu, three_years):
    case = closed_case(operator, staff_tobu, jst(2020, 5, 1, 9))
    with timezone.override(JST):
        first = retention.disposal_batch_prepare(today=datetime.date(2026, 4, 1))
        again = retention.disposal_batch_prepare(today=datetime.date(2026, 4, 2))
    assert first.pk == again.pk
    assert DisposalBatch.objects.count() == 1
    [item] = first.items.all()
    assert (item.kind, item.record_id, item.label) == ("case", case.pk, case.reference)
    assert item.expired_on == datetime.date(2024, 3, 31)


def test_celery_task_lists_into_a_batch(operator, staff_tobu, three_years):
    closed_case(operator, staff_tobu, jst(2015, 5, 1, 9))
    batch_id = list_expired_records.delay().get()
    assert DisposalBatch.objects.get(pk=batch_id).items.count() == 1
    assert list_expired_records.delay().get() == batch_id


def test_nothing_expired_makes_no_batch(kobe):
    assert retention.disposal_batch_prepare() is None
    assert not DisposalBatch.objects.exists()


def test_legal_hold_excludes_a_case(operator, staff_tobu, admin_user, three_years):
    case = closed_case(operator, staff_tobu, jst(2015, 5, 1, 9))
    hold = LegalHold.objects.create(case=case, reason="訴訟対応", created_by=admin_user)
    assert retention.disposal_batch_prepare() is None
    hold.released_at = timezone.now()
    hold.save()
    assert retention.disposal_batch_prepare().items.count() == 1


def test_approval_erases_personal_data_and_keeps_a_clean_record(
    operator, staff_tobu, admin_user, three_years, django_capture_on_commit_callbacks
):
    case = closed_case(operator, staff_tobu, jst(2015, 5, 1, 9), ward="28101")
    citizen = make_citizen()
    post = make_post(citizen, photos=2, status=Post.Status.DONE)
    Post.objects.filter(pk=post.pk).update(updated_at=jst(2015, 6, 1))
    files = list(post.photos.values_list("file_name", flat=True))
    assert all(default_storage.exists(name) for name in files)

    batch = retention.disposal_batch_prepare()
    assert {(i.kind, i.record_id) for i in batch.items.all()} == {
        ("case", case.pk),
        ("post", post.pk),
    }
    approve = retention.disposal_batch_approve
    with pytest.raises(PermissionError):
        approve(batch=batch, user=operator)
    with django_capture_on_commit_callbacks(execute=True):
        batch = approve(batch=batch, user=admin_user)

    case.refresh_from_db()
    for name in PERSONAL:
        assert getattr(case, name) == "", name
    assert case.reply_text == "" and case.latitude is None and case.disposed_at is not None
    assert case.title == retention.DISPOSED_TITLE
    assert case.reference and case.ward == "28101" and case.category.code == "road-damage"
    assert not case.events.exclude(note="").exists()
    assert "日向" not in case.search_tokens and "日向" not in case.search_text
    for word in ("日向", "ヒナタ", "ひなた"):
        assert not retention_search(case, word), word

    post.refresh_from_db()
    assert post.text == "" and post.address == "" and post.lat is None and post.citizen is None
    assert not PostPhoto.objects.filter(post=post).exists()
    assert not any(default_storage.exists(name) for name in files)

    assert batch.status == DisposalBatch.Status.DISPOSED and batch.approved_by == admin_user
    assert (batch.case_count, batch.post_count, batch.file_count) == (1, 1, 2)
    record_text = " ".join(
        f"{item.kind} {item.label} {item.expired_on} {item.outcome}" for item in batch.items.all()
    )
    assert case.reference in record_text and "日向" not in record_text and "078" not in record_text
    assert set(batch.items.values_list("retention_class", flat=True)) == {"3年保存（3年）"}

    # The disposed post is not listed again; the citizen's account goes next time (idle).
    Citizen.objects.filter(pk=citizen.pk).update(last_login=jst(2015, 6, 1))
    next_batch = retention.disposal_batch_prepare()
    assert [(i.kind, i.record_id) for i in next_batch.items.all()] == [("citizen", citizen.pk)]
    retention.disposal_batch_approve(batch=next_batch, user=admin_user)
    assert not Citizen.objects.filter(pk=citizen.pk).exists()


def test_hold_placed_after_listing_is_respected_at_approval(
    operator, staff_tobu, admin_user, three_years
):
    case = closed_case(operator, staff_tobu, jst(2015, 5, 1, 9))
    batch = retention.disposal_batch_prepare()
    LegalHold.objects.create(case=case, reason="情報公開請求", created_by=admin_user)
    batch = retention.disposal_batch_approve(batch=batch, user=admin_user)
    case.refresh_from_db()
    assert case.caller_name == "日向 太郎" and case.disposed_at is None
    assert batch.skipped_count == 1 and batch.case_count == 0
    assert batch.items.get().outcome == DisposalItem.Outcome.HELD


def test_admin_approves_through_the_admin_action(
    login_client, operator, staff_tobu, admin_user, three_years
):
    case = closed_case(operator, staff_tobu, jst(2015, 5, 1, 9))
    batch = retention.disposal_batch_prepare()
    client = login_client(admin_user)
    listing = client.get("/admin/privacy/disposalbatch/")
    assert listing.status_code == 200
    detail = client.get(f"/admin/privacy/disposalbatch/{batch.pk}/change/").content.decode()
    assert case.reference in detail and "日向" not in detail
    response = client.post(
        "/admin/privacy/disposalbatch/",
        {"action": "approve_disposal", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.disposed_at is not None and case.caller_name == ""


def test_staff_cannot_reach_the_disposal_admin(login_client, supervisor, kobe):
    response = login_client(supervisor).get("/admin/privacy/disposalbatch/")
    assert response.status_code in (302, 403)


def test_temporary_data_purge(operator, kobe):
    old = IntakeToken.objects.create(
        token="old", user=operator, created_at=timezone.now() - datetime.timedelta(days=2)
    )
    fresh = IntakeToken.objects.create(token="fresh", user=operator)
    used_case = make_case(operator)
    used = IntakeToken.objects.create(
        token="used",
        user=operator,
        case=used_case,
        created_at=timezone.now() - datetime.timedelta(days=30),
    )
    Session.objects.create(
        session_key="x" * 32,
        session_data="e30=",
        expire_date=timezone.now() - datetime.timedelta(1),
    )
    assert purge_temporary_data.delay().get() == 1
    remaining = set(IntakeToken.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, used.pk} and old.pk not in remaining
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_admin_lists_the_cases_that_are_never_disposed(
    operator, staff_tobu, three_years, admin_user
):
    from django.test import Client

    kept_for_three_years = closed_case(operator, staff_tobu, jst(2026, 6, 1, 9))
    never_disposed = closed_case(operator, staff_tobu, jst(2026, 6, 1, 9))
    # A category without a class, in a dial without one.
    Case.objects.filter(pk=never_disposed.pk).update(
        category=Category.objects.get(code="park-equipment")
    )
    client = Client()
    client.force_login(admin_user)
    url = "/admin/tickets/case/"

    def listed(value: str) -> set[int]:
        response = client.get(url, {"retention": value})
        assert response.status_code == 200
        return {case.pk for case in response.context["cl"].result_list}

    assert listed("none") == {never_disposed.pk}
    assert listed("set") == {kept_for_three_years.pk}
    assert "未設定（廃棄されない）" in client.get(url).content.decode()
