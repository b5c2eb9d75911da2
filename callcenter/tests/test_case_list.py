import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tickets.models import Case
from tickets.tests.factories import make_case

URL = reverse("callcenter:case_list")
JST = ZoneInfo("Asia/Tokyo")


def titles(response) -> list[str]:
    return [row["title"] for row in response.context["page"].object_list]


def search(client, params: dict):
    """Post the search form as the page does and open the address it redirects to."""
    posted = client.post(URL, params)
    assert posted.status_code == 302
    return client.get(posted["Location"])


@pytest.fixture
def cases(operator):
    return [
        make_case(
            operator,
            title="歩道の陥没",
            details="穴が深い",
            caller_name="日向 太郎",
            caller_kana="ヒナタ タロウ",
            caller_phone="078-331-8181",
            caller_phone_digits="0783318181",
            ward="28110",
            received_at=datetime.datetime(2026, 11, 1, 9, tzinfo=JST),
        ),
        make_case(
            operator,
            "park-equipment",
            title="ブランコの鎖が切れた",
            details="日向公園",
            ward="28107",
            urgent=True,
            urgent_contact="小林",
            received_at=datetime.datetime(2026, 11, 10, 9, tzinfo=JST),
        ),
        make_case(
            operator,
            "food-poisoning",
            title="弁当で体調不良",
            caller_kana="ヤマダ ハナコ",
            health_symptoms="嘔吐と発熱",
            received_at=datetime.datetime(2026, 11, 20, 9, tzinfo=JST),
        ),
    ]


def test_newest_first_and_sortable(login_client, operator, cases):
    client = login_client(operator)
    assert titles(client.get(URL)) == ["弁当で体調不良", "ブランコの鎖が切れた", "歩道の陥没"]
    assert titles(client.get(URL, {"sort": "received_at"}))[0] == "歩道の陥没"
    Case.objects.filter(pk=cases[0].pk).update(status=Case.Status.CLOSED)
    assert titles(client.get(URL, {"sort": "-status"}))[0] == "歩道の陥没"
    assert titles(client.get(URL, {"sort": "status"}))[-1] == "歩道の陥没"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "陥没"}, ["歩道の陥没"]),
        ({"q": "日向"}, ["ブランコの鎖が切れた", "歩道の陥没"]),
        ({"q": "078-331-8181"}, ["歩道の陥没"]),
        ({"q": "０７８（３３１）８１８１"}, ["歩道の陥没"]),
        ({"q": "0783318181"}, ["歩道の陥没"]),
        ({"q": "やまだ"}, ["弁当で体調不良"]),
        ({"q": "嘔吐"}, []),  # health symptoms are never searched
        ({"ward": "28107"}, ["ブランコの鎖が切れた"]),
        ({"urgent": "on"}, ["ブランコの鎖が切れた"]),
        ({"status": "closed"}, []),
        ({"status": "open"}, ["弁当で体調不良", "ブランコの鎖が切れた", "歩道の陥没"]),
        ({"received_from": "2026-11-05", "received_to": "2026-11-10"}, ["ブランコの鎖が切れた"]),
    ],
)
def test_filters_and_search(login_client, operator, cases, params, expected):
    assert titles(search(login_client(operator), params)) == expected


def test_filter_by_dial_category_department(login_client, operator, cases, kobe):
    client = login_client(operator)
    assert titles(client.get(URL, {"dial": cases[2].dial_id})) == ["弁当で体調不良"]
    assert titles(client.get(URL, {"category": cases[1].category_id})) == ["ブランコの鎖が切れた"]
    assert titles(client.get(URL, {"department": kobe["kensetsu-tobu"].pk})) == ["歩道の陥没"]


def test_search_by_reference(login_client, operator, cases):
    response = search(login_client(operator), {"q": cases[1].reference})
    assert titles(response) == ["ブランコの鎖が切れた"]


def test_health_symptoms_never_in_the_list(login_client, supervisor, cases):
    page = login_client(supervisor).get(URL).content.decode()
    assert "弁当で体調不良" in page and "嘔吐" not in page


def test_bad_dates_show_japanese_error(login_client, operator, cases):
    response = login_client(operator).get(
        URL, {"received_from": "2026-11-10", "received_to": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "終わりの日は始まりの日以降にしてください。" in response.content.decode()
    assert titles(response) == []


def test_department_staff_see_only_their_cases(login_client, staff_tobu, cases):
    response = login_client(staff_tobu).get(URL)
    assert titles(response) == ["歩道の陥没"]


def test_admin_refused(login_client, admin_user):
    assert login_client(admin_user).get(URL).status_code == 403


def test_wrong_method(login_client, operator):
    assert login_client(operator).put(URL).status_code == 405


def test_paginated_by_50(login_client, operator, kobe):
    for number in range(55):
        make_case(operator, title=f"案件{number}")
    client = login_client(operator)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    searched = client.post(URL, {"q": "案件"})["Location"]
    assert "page=2" in client.get(searched).content.decode()
    second = client.get(searched + "&page=2")
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("rows", [5, 60])
def test_query_count_does_not_grow_with_rows(
    login_client, operator, kobe, rows, django_assert_max_num_queries
):
    for number in range(rows):
        make_case(operator, title=f"道路の陥没 {number}", ward="28110")
    client = login_client(operator)
    searched = client.post(URL, {"q": "陥没", "sort": "status"})["Location"]
    with django_assert_max_num_queries(12):
        response = client.get(searched)
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        client.get(URL)


def test_a_word_search_reads_one_row_ahead_instead_of_counting(
    login_client, operator, kobe, monkeypatch, django_assert_num_queries
):
    from callcenter import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        make_case(operator, title=f"道路の陥没 {number}")
    client = login_client(operator)
    address = client.post(URL, {"q": "陥没"})["Location"]
    client.get(URL)  # the session's activity clock and the routing table, once
    # Session, user, the probe for few matches (tickets.search.few_matches_first) and the
    # page's rows: no count query.
    with django_assert_num_queries(4):
        searched = client.get(address).content.decode()
    assert "3 件以上" in searched and "語を足すか条件を選ぶと絞り込めます。" in searched
    assert "1 ページ目" in searched and 'rel="next"' in searched
    last = client.get(address + "&page=3").content.decode()
    assert "5 件" in last and "件以上" not in last and "3 / 3 ページ" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # Beyond the end: counted, and the last page is shown.
    beyond = client.get(address + "&page=9")
    assert [row["title"] for row in beyond.context["page"].object_list] == ["道路の陥没 0"]
    listed = client.get(URL).content.decode()
    assert "5 件" in listed and "件以上" not in listed


def test_a_common_word_is_probed_once_then_pages_read_only_the_rows(
    login_client, operator, monkeypatch, django_assert_num_queries
):
    from tickets import search

    monkeypatch.setattr(search, "FEW_MATCHES", 2)  # three matches make the word common
    for number in range(3):
        make_case(operator, title=f"道路の陥没 {number}")
    client = login_client(operator)
    address = client.post(URL, {"q": "陥没"})["Location"]
    client.get(URL)  # the session's activity clock and the routing table, once
    # Session, user, the probe (too many matches: the verdict is kept), the page's rows.
    with django_assert_num_queries(4):
        first = titles(client.get(address))
    # The same search again (the next operator, the next page): no probe.
    with django_assert_num_queries(3):
        again = titles(client.get(address))
    assert first == again == ["道路の陥没 2", "道路の陥没 1", "道路の陥没 0"]
    # Another search has its own verdict: its probe runs, its few matches are shown.
    other = client.post(URL, {"q": "陥没 1"})["Location"]
    with django_assert_num_queries(4):  # its probe, then the rows of its ids
        assert titles(client.get(other)) == ["道路の陥没 1"]


def test_the_matches_of_a_rare_word_are_never_kept(login_client, operator):
    make_case(operator, title="鰻の骨が喉に")
    client = login_client(operator)
    address = client.post(URL, {"q": "鰻"})["Location"]
    assert titles(client.get(address)) == ["鰻の骨が喉に"]
    make_case(operator, title="鰻屋の前の陥没")
    assert titles(client.get(address)) == ["鰻屋の前の陥没", "鰻の骨が喉に"]


def test_rows_link_to_the_case_with_labels_in_the_users_language(login_client, operator, cases):
    client = login_client(operator)
    page = client.get(URL).content.decode()
    swing = cases[1]
    detail = reverse("callcenter:case_detail", args=[swing.pk])
    assert (
        f'<a href="{detail}">{swing.reference}</a> <span class="badge badge--urgent">緊急</span>'
        in page
    )
    assert '<span class="status status--received">受付</span>' in page
    assert "<td>須磨区</td>" in page
    client.cookies["django_language"] = "en"
    english = client.get(URL).content.decode()
    assert (
        f'<a href="{detail}">{swing.reference}</a> <span class="badge badge--urgent">Urgent</span>'
        in english
    )
    assert '<span class="status status--received">Received</span>' in english
    assert "<td>Suma Ward</td>" in english
