"""In-app notices (/notifications/) and the failed-mail page for supervisors."""

import pytest
from django.core import mail
from django.utils import timezone

from kobepost.models import Notice, NoticeCursor, Notification
from kobepost.notifications import notice_post
from kobepost.notifications.services import notice_unread_count


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


def failed_row(number: int = 1) -> Notification:
    return Notification.objects.create(
        event_key=f"case:{number}:created",
        kind=Notification.Kind.NEW_CASE,
        recipient=f"typo{number}@tobu.example",
        subject=f"【KOBE ぽすと】新しい案件 R8-00000{number}",
        body="受付番号\n",
        status=Notification.Status.FAILED,
        attempts=9,
        last_error="SMTPRecipientsRefused: 550 No such mailbox",
        next_attempt_at=timezone.now(),
    )


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
    assert row.recipient in text and "550 No such mailbox" in text
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
    assert row.attempts == 1  # a fresh retry budget
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
