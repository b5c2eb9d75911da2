"""The department inbox and its map data."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from tickets.models import Case
from tickets.tests.factories import make_case

INBOX = reverse("departments:home")
MAP = reverse("departments:map_data")


def test_inbox_orders_urgent_then_unanswered(login_client, operator, staff_tobu):
    answered = make_case(operator, title="回答済みの件")
    Case.objects.filter(pk=answered.pk).update(status=Case.Status.ANSWERED)
    make_case(operator, title="新しい件")
    urgent = make_case(operator, title="緊急の件", urgent=True, urgent_contact="高橋")
    page = login_client(staff_tobu).get(INBOX).content.decode()
    assert page.index("緊急の件") < page.index("新しい件") < page.index("回答済みの件")
    detail = reverse("departments:case_detail", args=[urgent.pk])
    assert f'<a href="{detail}">{urgent.reference}</a>' in page
    assert '<span class="badge badge--urgent">緊急</span> 緊急の件' in page


def test_inbox_shows_only_own_department(login_client, operator, staff_seibu):
    make_case(operator, title="東部の件")
    page = login_client(staff_seibu).get(INBOX).content.decode()
    assert "東部の件" not in page


def test_overdue_cases_are_highlighted(login_client, operator, staff_tobu):
    case = make_case(operator, title="古い件")
    Case.objects.filter(pk=case.pk).update(reply_due_date=datetime.date(2020, 1, 6))
    page = login_client(staff_tobu).get(INBOX + "?filter=overdue").content.decode()
    assert "古い件" in page and "is-overdue" in page and "期限超過" in page


def test_inbox_query_count_does_not_grow(
    login_client, operator, staff_tobu, django_assert_max_num_queries
):
    client = login_client(staff_tobu)
    make_case(operator)
    with django_assert_max_num_queries(12) as few:
        client.get(INBOX)
    for number in range(15):
        make_case(operator, title=f"件 {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(INBOX).status_code == 200


@pytest.mark.parametrize("who", ["operator", "supervisor", "admin_user"])
def test_inbox_is_for_department_staff(request, login_client, who):
    client = login_client(request.getfixturevalue(who))
    assert client.get(INBOX).status_code == 403
    assert client.get(MAP + "?bbox=135,34,136,35").status_code == 403


def test_inbox_refuses_post(login_client, staff_tobu):
    assert login_client(staff_tobu).post(INBOX).status_code == 405


def test_map_data_limited_to_box_and_department(login_client, operator, staff_tobu):
    inside = make_case(operator, title="中", latitude=34.72, longitude=135.26, ward="28101")
    make_case(operator, title="外", latitude=34.60, longitude=134.90)
    data = login_client(staff_tobu).get(MAP + "?bbox=135.2,34.7,135.3,34.75").json()
    assert [point["id"] for point in data["points"]] == [inside.pk]
    assert data["points"][0]["url"] == reverse("departments:case_detail", args=[inside.pk])


def test_map_data_clusters_many_cases(login_client, operator, staff_tobu, monkeypatch):
    monkeypatch.setattr("departments.views.MAP_MAX_POINTS", 3)
    for number in range(5):
        make_case(operator, title=f"件{number}", latitude=34.72 + number * 0.001, longitude=135.26)
    data = login_client(staff_tobu).get(MAP + "?bbox=135.2,34.7,135.3,34.75").json()
    assert data["points"] == [] and sum(c["count"] for c in data["clusters"]) == 5


def test_map_data_rejects_a_bad_box(login_client, staff_tobu):
    assert login_client(staff_tobu).get(MAP + "?bbox=x").status_code == 400


def test_background_refresh_does_not_count_as_activity(login_client, staff_tobu):
    from kobepost.middleware import SESSION_LAST_ACTIVITY

    client = login_client(staff_tobu)
    session = client.session
    session[SESSION_LAST_ACTIVITY] = session[SESSION_LAST_ACTIVITY] - 60
    session.save()
    before = client.session[SESSION_LAST_ACTIVITY]
    assert client.get(INBOX, headers={"X-Kobepost-Background": "1"}).status_code == 200
    assert client.session[SESSION_LAST_ACTIVITY] == before


def test_inbox_orders_by_due_date_then_age_with_no_due_date_last(
    login_client, operator, staff_tobu
):
    later = make_case(operator, title="期限が遅い件")
    sooner = make_case(operator, title="期限が近い件")
    none = make_case(operator, title="期限なしの件")
    Case.objects.filter(pk=later.pk).update(reply_due_date=datetime.date(2030, 1, 10))
    Case.objects.filter(pk=sooner.pk).update(reply_due_date=datetime.date(2030, 1, 9))
    Case.objects.filter(pk=none.pk).update(reply_due_date=None)
    page = login_client(staff_tobu).get(INBOX).content.decode()
    assert page.index("期限が近い件") < page.index("期限が遅い件") < page.index("期限なしの件")


def test_inbox_rows_show_translated_labels(login_client, operator, staff_tobu):
    make_case(operator, title="東灘の件", ward="28101")
    page = login_client(staff_tobu).get(INBOX).content.decode()
    assert "東灘区" in page and ">受付<" in page and "未着手" in page
    english = login_client(staff_tobu)
    english.cookies["django_language"] = "en"
    page = english.get(INBOX).content.decode()
    assert "Received" in page and "Not started" in page


def test_all_tab_includes_closed_cases(login_client, operator, staff_tobu):
    closed = make_case(operator, title="完了した件")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    client = login_client(staff_tobu)
    assert "完了した件" not in client.get(INBOX).content.decode()
    assert "完了した件" in client.get(INBOX + "?filter=all").content.decode()


def test_all_tab_is_not_counted_until_its_last_page(login_client, operator, staff_tobu):
    """The whole archive of a department is not counted on every view: "31 件以上" on the
    first page (one row read ahead), the exact number on the last; every case once."""
    for number in range(35):
        make_case(operator, title=f"すべての件 {number:02d}")
    client = login_client(staff_tobu)
    first = client.get(INBOX + "?filter=all").content.decode()
    last = client.get(INBOX + "?filter=all&page=2").content.decode()
    assert "31 件以上" in first and 'rel="next"' in first
    assert "35 件" in last and 'rel="next"' not in last
    shown = [f"すべての件 {n:02d}" for n in range(35) if f"すべての件 {n:02d}<" in first + last]
    assert len(shown) == 35
    assert sum((first + last).count(f"すべての件 {n:02d}<") for n in range(35)) == 35


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("choice", ["open", "unanswered", "overdue", "all"])
def test_inbox_page_is_read_in_index_order_not_sorted(staff_tobu, operator, choice):
    """The inbox's ORDER BY must stay the expression of case_inbox_*_idx (no Sort node)."""
    from departments.views import _inbox_cases

    make_case(operator)
    query = _inbox_cases(staff_tobu, choice)[:30]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # With one row the planner may as well sort it; only an index can avoid a Sort node
        # once sorting is priced out, so a failure still means the ORDER BY left the index.
        cursor.execute("SET LOCAL enable_sort = off")
        plan = query.explain()
    assert "case_inbox_" in plan and "Sort" not in plan, plan


def test_the_all_tab_opens_no_deeper_than_the_limit(
    login_client, operator, staff_tobu, monkeypatch, django_assert_max_num_queries
):
    """The すべて tab goes by page number; the deepest page says where older cases are found
    (the case list, oldest first) instead of offering 次へ, and a deeper number shows it."""
    from departments import views
    from tickets import pagination

    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    monkeypatch.setattr(pagination, "NUMBERED_ROWS", 4)  # page 2 is the deepest by number
    for number in range(7):
        make_case(operator, title=f"件 {number}")
    client = login_client(staff_tobu)
    with django_assert_max_num_queries(12) as second:
        at_limit = client.get(INBOX + "?filter=all&page=2").content.decode()
    assert "「すべて」は 2 ページ目までです。" in at_limit
    assert f'<a href="{reverse("callcenter:case_list")}?sort=received_at">' in at_limit
    assert 'rel="next"' not in at_limit and 'rel="prev"' in at_limit
    with django_assert_max_num_queries(len(second.captured_queries)):
        deep = client.get(INBOX + "?filter=all&page=9000")
    assert deep.context["page"].number == 2
    assert "「すべて」は 2 ページ目までです。" in deep.content.decode()
    first = client.get(INBOX + "?filter=all").content.decode()
    assert 'rel="next"' in first and "page-limit" not in first
