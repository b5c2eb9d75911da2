"""Operators: search, "この FAQ で回答した", calls without FAQ, searches that found nothing."""

from urllib.parse import parse_qs, urlsplit

import pytest

from faq.models import FaqEntry, SimpleCall, UnansweredSearch


@pytest.fixture
def pothole(make_entry):
    return make_entry("道路の陥没を見つけた", "場所をお聞きして建設事務所へ引き継ぎます。")


def test_operator_searches_and_sees_highlighted_published_entries(
    login_client, operator, pothole, make_entry
):
    make_entry("陥没の下書き", "まだ公開しない", status=FaqEntry.Status.DRAFT)
    page = login_client(operator).get("/faq/", {"q": "陥没"}).content.decode()
    assert "道路の<mark>陥没</mark>を見つけた" in page
    assert "陥没の下書き" not in page
    assert "この FAQ で回答した" in page
    # The answer opens with the words still marked; "answered" comes back to this search.
    assert f'<a href="/faq/{pothole.pk}/?q=%E9%99%A5%E6%B2%A1" data-faq-result-link>' in page
    assert f'action="/faq/{pothole.pk}/answered/"' in page
    assert '<input type="hidden" name="next" value="/faq/?q=%E9%99%A5%E6%B2%A1">' in page
    meta = f"{pothole.dial.name}"
    if pothole.category:
        meta += f" / {pothole.category.name}"
    assert f"{meta} ・ {pothole.department.name}" in page


def test_supervisor_sees_every_status(login_client, supervisor, pothole, make_entry):
    make_entry("陥没の下書き", "まだ公開しない", status=FaqEntry.Status.DRAFT)
    page = login_client(supervisor).get("/faq/", {"q": "陥没"}).content.decode()
    assert "<mark>陥没</mark>の下書き" in page
    only_drafts = login_client(supervisor).get("/faq/", {"q": "陥没", "status": "draft"})
    assert "道路の" not in only_drafts.content.decode()


def test_search_page_query_count_does_not_grow(
    login_client, operator, make_entry, django_assert_max_num_queries
):
    client = login_client(operator)
    make_entry("道路の陥没 0", "回答")
    with django_assert_max_num_queries(9) as few:  # incl. the routing table, once
        client.get("/faq/", {"q": "陥没"})
    for number in range(1, 25):
        make_entry(f"道路の陥没 {number}", "回答")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/faq/", {"q": "陥没"})
    assert response.content.decode().count("この FAQ で回答した") == 25


def test_browse_by_dial_and_category(
    login_client, operator, make_entry, django_assert_max_num_queries
):
    make_entry("街灯が切れている", "番号を教えてください。", category="streetlight")
    make_entry("道路の陥没", "場所", category="road-damage")
    client = login_client(operator)
    menu = client.get("/faq/").content.decode()
    assert "道路・公園・河川・放置自転車ダイヤル" in menu and "?category=streetlight" in menu
    listing = client.get("/faq/", {"category": "streetlight"}).content.decode()
    assert "街灯が切れている" in listing and "道路の陥没" not in listing
    with django_assert_max_num_queries(9):
        by_dial = client.get("/faq/", {"dial": "roads"}).content.decode()
    assert "街灯が切れている" in by_dial and "道路の陥没" in by_dial


def test_answered_logs_a_simple_call_without_caller_data(login_client, operator, pothole):
    response = login_client(operator).post(
        f"/faq/{pothole.pk}/answered/", {"next": "/faq/?q=%E9%99%A5%E6%B2%A1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/faq/?q=%E9%99%A5%E6%B2%A1"
    call = SimpleCall.objects.get()
    assert (call.faq_entry, call.dial, call.operator) == (pothole, pothole.dial, operator)
    assert call.topic == "" and call.note == ""
    follow = login_client(operator).get(response["Location"])
    assert "本日の記録: 1 件" in follow.content.decode()


def test_answered_ignores_an_offsite_next(login_client, operator, pothole):
    response = login_client(operator).post(
        f"/faq/{pothole.pk}/answered/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/faq/"


def test_answered_refuses_get_drafts_and_department_staff(
    login_client, operator, staff_tobu, pothole, make_entry
):
    draft = make_entry("下書き", "x", status=FaqEntry.Status.DRAFT)
    assert login_client(operator).get(f"/faq/{pothole.pk}/answered/").status_code == 405
    assert login_client(operator).post(f"/faq/{draft.pk}/answered/").status_code == 404
    assert login_client(staff_tobu).post(f"/faq/{pothole.pk}/answered/").status_code == 403
    assert not SimpleCall.objects.exists()


def test_no_hit_is_logged_and_offers_intake_with_the_text(login_client, operator, pothole):
    response = login_client(operator).get("/faq/", {"q": "マンホール 音", "dial": "roads"})
    page = response.content.decode()
    assert "該当する FAQ がありません" in page
    logged = UnansweredSearch.objects.get()
    assert (logged.query, logged.dial.code) == ("マンホール 音", "roads")
    intake = response.context["intake_url"]
    parts = urlsplit(intake)
    assert parts.path == "/callcenter/cases/new/"
    assert parse_qs(parts.query) == {"dial": ["roads"], "title": ["マンホール 音"]}
    assert "案件として受付" in page


def test_a_reload_does_not_log_the_same_gap_twice(login_client, operator, operator2, pothole):
    client = login_client(operator)
    for query in ("マンホール 音", "マンホール　音", "ﾏﾝﾎｰﾙ 音"):  # a reload, widths folded
        assert client.get("/faq/", {"q": query}).status_code == 200
    assert UnansweredSearch.objects.count() == 1
    client.get("/faq/", {"q": "マンホール 音", "dial": "roads"})  # a narrower search
    client.get("/faq/", {"q": "街路樹"})
    client.get("/faq/", {"q": "マンホール 音"})  # searched again after something else
    assert UnansweredSearch.objects.count() == 4
    login_client(operator2).get("/faq/", {"q": "マンホール 音"})  # another operator's call
    assert UnansweredSearch.objects.count() == 5


def test_hits_are_not_logged_as_gaps(login_client, operator, pothole):
    login_client(operator).get("/faq/", {"q": "陥没"})
    assert not UnansweredSearch.objects.exists()


def test_call_without_faq_is_counted(login_client, operator):
    client = login_client(operator)
    form = client.get("/faq/calls/new/", {"topic": "カラスの相談", "dial": "clean110"})
    assert 'value="カラスの相談"' in form.content.decode()
    response = client.post(
        "/faq/calls/new/", {"dial": "clean110", "topic": "カラスの相談", "note": "巣の撤去方法"}
    )
    assert response.status_code == 302
    call = SimpleCall.objects.get()
    assert (call.dial.code, call.topic, call.faq_entry) == ("clean110", "カラスの相談", None)


def test_call_without_faq_refuses_personal_data_and_keeps_the_input(login_client, operator):
    response = login_client(operator).post(
        "/faq/calls/new/",
        {"dial": "clean110", "topic": "収集日", "note": "０７８−３３１−８１８１ 山田"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "個人情報は記録しないでください" in page
    assert "収集日" in page
    assert not SimpleCall.objects.exists()


def test_call_without_faq_roles_and_methods(login_client, staff_tobu, operator):
    assert login_client(staff_tobu).get("/faq/calls/new/").status_code == 403
    assert login_client(operator).put("/faq/calls/new/").status_code == 405


def test_operator_home_shows_the_search_panel(login_client, operator):
    page = login_client(operator).get("/callcenter/").content.decode()
    assert 'action="/faq/"' in page and 'name="q"' in page


def test_admin_role_cannot_use_operator_pages(login_client, admin_user, pothole):
    assert login_client(admin_user).get("/faq/").status_code == 403


# --- from the intake form (callcenter/case_form.html): search and log without leaving it ----
def test_the_intake_page_finds_published_answers_as_json(
    login_client, operator, pothole, make_entry
):
    make_entry("陥没の下書き", "まだ公開しない", status=FaqEntry.Status.DRAFT)
    body = login_client(operator).get("/faq/lookup/", {"q": "道路 陥没"}).json()
    assert [item["question"] for item in body["results"]] == ["道路の陥没を見つけた"]
    [item] = body["results"]
    assert item["answeredUrl"] == f"/faq/{pothole.pk}/answered/"
    assert item["url"].startswith(f"/faq/{pothole.pk}/")
    assert item["answer"] == "場所をお聞きして建設事務所へ引き継ぎます。"
    assert body["callUrl"].startswith("/faq/calls/new/?topic=")


def test_a_sent_lookup_that_finds_nothing_is_logged_once_as_a_gap(login_client, operator, pothole):
    client = login_client(operator)
    client.get("/faq/lookup/", {"q": "粗大ご"})  # while typing: no one's question yet
    assert not UnansweredSearch.objects.exists()
    for _ in range(2):
        sent = client.get("/faq/lookup/", {"q": "粗大ごみの料金", "log": "1"})
        assert sent.json()["results"] == []
    assert UnansweredSearch.objects.get().query == "粗大ごみの料金"
    assert client.get("/faq/lookup/").json()["results"] == []


def test_lookup_is_for_the_call_center(login_client, staff_tobu):
    assert login_client(staff_tobu).get("/faq/lookup/", {"q": "陥没"}).status_code == 403


def test_answered_from_the_intake_logs_the_call_and_opens_a_fresh_intake(
    login_client, operator, pothole
):
    response = login_client(operator).post(
        f"/faq/{pothole.pk}/answered/", {"next": "/callcenter/cases/new/"}
    )
    assert response.status_code == 302 and response["Location"] == "/callcenter/cases/new/"
    call = SimpleCall.objects.get()
    assert call.faq_entry == pothole and call.operator == operator
