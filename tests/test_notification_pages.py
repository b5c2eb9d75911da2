"""In-app notices (/notifications/) and the failed-mail page for supervisors."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from kobepost.notifications.models import Notice, NoticeCursor, Notification
from kobepost.notifications.services import notice_post, notice_unread_count


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    # CI's cache is a shared Redis that outlives the test database, whose ids start again
    # at 1: a count cached by an earlier run must not leak in, and clearing would flush
    # the broker's keys too. Each test gets an empty in-memory cache of its own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


def nav_badge(client) -> str:
    return client.get("/notifications/").content.decode()


# --- notices ------------------------------------------------------------------------------


def test_department_sees_its_notices_with_an_unread_count(
    staff_tobu, staff_seibu, kobe, login_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice_post(department=kobe["kensetsu-tobu"], title="新しい案件 R8-000001", link="/c/1/")
        notice_post(department=kobe["kensetsu-tobu"], title="新しい案件 R8-000002", link="/c/2/")
        notice_post(department=kobe["kensetsu-seibu"], title="西部の案件 R8-000003")
        notice_post(to_callcenter=True, title="所管課から回答 R8-000004")

    page = login_client(staff_tobu).get("/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "新しい案件 R8-000001" in text and "新しい案件 R8-000002" in text
    assert "西部の案件" not in text and "所管課から回答" not in text
    assert '<a href="/c/2/">新しい案件 R8-000002</a>' in text
    assert '2<span class="visually-hidden">件の未読</span>' in text
    assert notice_unread_count(staff_seibu) == 1


def test_callcenter_sees_callcenter_notices(operator, supervisor, login_client):
    notice_post(to_callcenter=True, title="所管課から回答 R8-000004", link="/c/4/")
    for user in (operator, supervisor):
        assert (
            "所管課から回答 R8-000004" in login_client(user).get("/notifications/").content.decode()
        )


def test_mark_read_is_post_redirect_get_and_clears_the_count(
    staff_tobu, kobe, login_client, django_capture_on_commit_callbacks
):
    client = login_client(staff_tobu)
    first = notice_post(department=kobe["kensetsu-tobu"], title="案件 1")
    assert notice_unread_count(staff_tobu) == 1

    assert client.get("/notifications/read/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/notifications/read/", {"up_to": first.pk})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert NoticeCursor.objects.get(user=staff_tobu).last_seen_id == first.pk
    assert notice_unread_count(staff_tobu) == 0
    assert "お知らせを既読にしました。" in client.get("/notifications/").content.decode()

    # A notice that arrived after the page was shown stays unread.
    with django_capture_on_commit_callbacks(execute=True):
        later = notice_post(department=kobe["kensetsu-tobu"], title="案件 2")
        client.post("/notifications/read/", {"up_to": later.pk + 100})
    assert NoticeCursor.objects.get(user=staff_tobu).last_seen_id == later.pk


def test_new_notice_shows_in_the_cached_count(staff_tobu, kobe, django_capture_on_commit_callbacks):
    assert notice_unread_count(staff_tobu) == 0  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        notice_post(department=kobe["kensetsu-tobu"], title="案件 1")
    assert notice_unread_count(staff_tobu) == 1


def test_unread_count_costs_no_query_when_cached(staff_tobu, kobe, django_assert_num_queries):
    notice_post(department=kobe["kensetsu-tobu"], title="案件 1")
    with django_assert_num_queries(1):
        assert notice_unread_count(staff_tobu) == 1
    with django_assert_num_queries(0):
        assert notice_unread_count(staff_tobu) == 1


def test_notice_list_queries_do_not_grow_with_notices(
    staff_tobu, kobe, login_client, django_assert_max_num_queries
):
    client = login_client(staff_tobu)
    Notice.objects.bulk_create(
        Notice(department=kobe["kensetsu-tobu"], title=f"案件 {n}") for n in range(60)
    )
    with django_assert_max_num_queries(10):
        assert client.get("/notifications/").status_code == 200


def test_notice_needs_exactly_one_audience(kobe):
    with pytest.raises(ValueError):
        notice_post(title="宛先なし")
    with pytest.raises(ValueError):
        notice_post(department=kobe["kensetsu-tobu"], to_callcenter=True, title="両方")


def test_admin_has_no_notice_page(admin_user, login_client):
    assert login_client(admin_user).get("/notifications/").status_code == 403


# --- failed mail --------------------------------------------------------------------------


def failed_row(number: int = 1, **fields) -> Notification:
    values = {
        "event_key": f"case:{number}:created",
        "kind": Notification.Kind.NEW_CASE,
        "recipient": f"typo{number}@tobu.example",
        "subject": f"【KOBE ぽすと】新しい案件 R8-00000{number}",
        "body": "受付番号\n",
        "status": Notification.Status.FAILED,
        "attempts": 9,
        "problem": Notification.Problem.MAILBOX,
        "last_error": "SMTPRecipientsRefused: {'typo@tobu.example': (550, b'No such mailbox')}",
        "next_attempt_at": timezone.now(),
    }
    return Notification.objects.create(**(values | fields))


def department_row(department, number: int = 1, **fields) -> Notification:
    """A failed mail to a department's old (mistyped) address."""
    return failed_row(
        number,
        audience=Notification.Audience.DEPARTMENT,
        audience_id=department.pk,
        **fields,
    )


def resend(client, row, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/notifications/failed/{row.pk}/resend/", follow=True)


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_supervisors_and_admins_see_failed_mail(who, request, db, login_client):
    row = failed_row()
    Notification.objects.create(
        event_key="case:2:created",
        kind=Notification.Kind.NEW_CASE,
        recipient="fine@tobu.example",
        subject="送信済みの件名",
        body="b",
        status=Notification.Status.SENT,
        next_attempt_at=timezone.now(),
    )
    page = login_client(request.getfixturevalue(who)).get("/notifications/failed/")
    assert page.status_code == 200
    text = page.content.decode()
    assert row.recipient in text
    assert "宛先のメールアドレスがないか、受け取りを拒否されました。" in text
    assert "送信済みの件名" not in text


@pytest.mark.parametrize("who", ["operator", "staff_tobu"])
def test_others_may_not_see_or_resend_failed_mail(who, request, db, login_client):
    row = failed_row()
    client = login_client(request.getfixturevalue(who))
    assert client.get("/notifications/failed/").status_code == 403
    assert client.post(f"/notifications/failed/{row.pk}/resend/").status_code == 403
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED


def test_resend_is_post_only_and_sends_again(
    supervisor, login_client, django_capture_on_commit_callbacks
):
    row = failed_row()
    client = login_client(supervisor)
    assert client.get(f"/notifications/failed/{row.pk}/resend/").status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/failed/{row.pk}/resend/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/failed/"
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.attempts == 10  # counted on: the count also fences a worker left behind
    assert row.resent_by == supervisor
    assert [m.to for m in mail.outbox] == [[row.recipient]]
    assert "再送信します" in client.get("/notifications/failed/").content.decode()

    # Pressing it again (a second tab) changes nothing.
    response = client.post(f"/notifications/failed/{row.pk}/resend/", follow=True)
    assert "すでに再送信されています" in response.content.decode()
    assert len(mail.outbox) == 1
    assert client.post("/notifications/failed/999999/resend/").status_code == 404


def test_failed_list_queries_do_not_grow_with_rows(
    supervisor, login_client, django_assert_max_num_queries
):
    client = login_client(supervisor)
    for number in range(1, 30):
        failed_row(number)
    with django_assert_max_num_queries(10):
        assert client.get("/notifications/failed/").status_code == 200


def test_resend_goes_to_the_departments_corrected_addresses_and_records_the_old_one(
    supervisor, kobe, login_client, django_capture_on_commit_callbacks
):
    """Measured on the old code: 20 rows resent after the address was corrected all failed
    again, because the resend kept the row's old address."""
    tobu = kobe["kensetsu-tobu"]
    row = department_row(tobu)
    tobu.notification_emails = "road@tobu.example\nchief@tobu.example"
    tobu.save()

    page = resend(login_client(supervisor), row, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == ["chief@tobu.example", "road@tobu.example"]
    assert "typo1@tobu.example" not in [m.to[0] for m in mail.outbox]
    new = "road@tobu.example、chief@tobu.example"
    assert f"宛先を typo1@tobu.example から {new} に変えて再送信します。" in page.content.decode()
    row.refresh_from_db()
    assert (row.recipient, row.previous_recipients, row.status) == (
        "road@tobu.example",
        "typo1@tobu.example",
        Notification.Status.SENT,
    )
    assert row.resent_by == supervisor and row.resent_at is not None
    added = Notification.objects.get(recipient="chief@tobu.example")
    assert (added.event_key, added.audience_id, added.status) == (row.event_key, tobu.pk, "sent")


def test_resend_when_the_event_reached_every_current_address_sends_nothing(
    supervisor, kobe, login_client, django_capture_on_commit_callbacks
):
    tobu = kobe["kensetsu-tobu"]
    row = department_row(tobu)
    failed_row(1, recipient="road@tobu.example", status=Notification.Status.SENT)
    tobu.notification_emails = "road@tobu.example"  # the typo was removed, not replaced
    tobu.save()

    page = resend(login_client(supervisor), row, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert "再送信不要にしました" in page.content.decode()
    row.refresh_from_db()
    assert row.status == Notification.Status.SUPERSEDED
    assert "typo1@tobu.example" not in page.content.decode()  # off the failed list


def test_resend_to_a_department_without_any_address_keeps_the_row_failed(
    supervisor, kobe, login_client, django_capture_on_commit_callbacks
):
    tobu = kobe["kensetsu-tobu"]
    row = department_row(tobu)
    tobu.notification_emails = ""
    tobu.save()

    page = resend(login_client(supervisor), row, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert "東部建設事務所の通知先メールアドレスが登録されていないため、再送信できません。" in (
        page.content.decode()
    )
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED


def test_resend_follows_the_callcenter_mailbox_setting_and_the_contractors_address(
    supervisor, kobe, login_client, settings, django_capture_on_commit_callbacks
):
    from departments.models import Contractor

    contractor = Contractor.objects.first()
    to_center = failed_row(1, audience=Notification.Audience.CALLCENTER)
    to_contractor = failed_row(
        2, audience=Notification.Audience.CONTRACTOR, audience_id=contractor.pk
    )
    settings.CALLCENTER_MAILBOX = "center-new@callcenter.example"
    contractor.email = "repairs@contractor.example"
    contractor.save()
    client = login_client(supervisor)

    resend(client, to_center, django_capture_on_commit_callbacks)
    resend(client, to_contractor, django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [
        ["center-new@callcenter.example"],
        ["repairs@contractor.example"],
    ]


def test_bulk_resend_of_one_recipient_and_period_in_one_click(
    supervisor, kobe, login_client, django_capture_on_commit_callbacks
):
    """Measured on the old code: 11 and 20 clicks, one per row."""
    tobu = kobe["kensetsu-tobu"]
    today = timezone.localdate()  # the dates a supervisor types are Japan's
    rows = [department_row(tobu, number, recipient="typo@tobu.example") for number in range(1, 21)]
    older = department_row(tobu, 99, recipient="typo@tobu.example")
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=40))
    other = failed_row(50, recipient="someone@else.example")
    tobu.notification_emails = "road@tobu.example"
    tobu.save()
    client = login_client(supervisor)

    listed = client.get("/notifications/failed/", {"recipient": "typo@tobu.example"})
    assert "typo@tobu.example（21 件）" in listed.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/notifications/failed/resend/",
            {
                "recipient": "typo@tobu.example",
                "created_from": (today - timedelta(days=7)).isoformat(),
                "created_to": today.isoformat(),
            },
            follow=True,
        )

    assert "20 件の通知メールを再送信します（うち宛先を変えたもの 20 件）。" in (
        page.content.decode()
    )
    assert len(mail.outbox) == 20
    assert {m.to[0] for m in mail.outbox} == {"road@tobu.example"}
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert {statuses[row.pk] for row in rows} == {"sent"}
    assert statuses[older.pk] == statuses[other.pk] == "failed"


def test_bulk_resend_with_a_bad_period_changes_nothing(supervisor, login_client):
    row = failed_row()
    page = login_client(supervisor).post(
        "/notifications/failed/resend/",
        {"created_from": "2026-12-01", "created_to": "2026-11-01"},
        follow=True,
    )
    assert page.status_code == 200
    assert "条件が正しくないため、再送信していません。" in page.content.decode()
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED
    listed = login_client(supervisor).get(
        "/notifications/failed/", {"created_from": "2026-12-01", "created_to": "2026-11-01"}
    )
    assert "終わりの日は始まりの日以降にしてください。" in listed.content.decode()


def test_a_failed_row_links_to_its_case_and_explains_in_japanese(
    supervisor, admin_user, operator, login_client
):
    from tickets.tests.factories import make_case

    case = make_case(operator)
    Notification.objects.filter(case=case).delete()  # the case's own new-case mail
    failed_row(1, case=case)
    raw = "SMTPRecipientsRefused: {'typo@tobu.example': (550, b'No such mailbox')}"

    text = login_client(supervisor).get("/notifications/failed/").content.decode()
    assert f'<a href="/callcenter/cases/{case.pk}/">{case.reference}</a>' in text
    assert "宛先のメールアドレスがないか" in text
    assert "SMTPRecipientsRefused" not in text  # the raw error is for administrators

    text = login_client(admin_user).get("/notifications/failed/").content.decode()
    assert f'href="/admin/tickets/case/{case.pk}/change/"' in text
    assert "エラーの原文（管理者向け）" in text
    assert "SMTPRecipientsRefused" in text and "No such mailbox" in text
    assert raw.replace("'", "&#x27;") in text


def test_supervisors_see_the_failed_count_in_the_navigation(
    supervisor, operator, login_client, django_capture_on_commit_callbacks
):
    """Measured on the old code: nothing in the navigation told anyone mail had failed."""
    rows = [failed_row(number) for number in range(1, 4)]
    client = login_client(supervisor)
    badge = '3<span class="visually-hidden">件の送信失敗</span>'
    assert badge in client.get("/notifications/").content.decode()
    assert "role-badge--alert" not in login_client(operator).get("/notifications/").content.decode()

    resend(client, rows[0], django_capture_on_commit_callbacks)
    assert (
        '2<span class="visually-hidden">件の送信失敗</span>'
        in client.get("/notifications/").content.decode()
    )
