"""Open311 as an independent client meets it: every error in Open311 format, text that
XML can carry, rejected and duplicate posts explained, updated_datetime that moves."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from kobepost.lib.xmltext import xml_safe
from kobepost.public.models import Post
from kobepost.public.services import post_forward, post_mark_duplicate, post_reject
from kobepost.public.tests.fixtures import make_post
from kobepost.public.tests.test_open311 import BASE, FORMATS, assert_error, parse
from kobepost.triage.tests.test_triage_forward import road  # noqa: F401 - fixture
from tickets.models import Case
from tickets.services import case_change_status, case_reply


def request_item(client: Client, pk: int, fmt: str) -> dict:
    body = parse(client.get(f"{BASE}/requests/{pk}.{fmt}"), fmt)
    if fmt == "json":
        return body[0]
    return {child.tag: child.text for child in body.find("request")}


@given(st.text())
def test_xml_safe_text_always_parses_and_keeps_ordinary_text(text):
    cleaned = xml_safe(text)
    element = ET.fromstring(f"<a>{cleaned.replace('&', '').replace('<', '')}</a>")  # noqa: S314
    assert element is not None
    assert xml_safe(cleaned) == cleaned
    ordinary = "".join(c for c in text if c.isprintable() and c not in "\ufffe\uffff")
    assert all(c in cleaned for c in ordinary if not 0xD800 <= ord(c) <= 0xDFFF)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stored_control_character_does_not_break_the_xml_list(client, citizen, fmt):
    # A row stored before the input rule: the writer still serves parseable XML.
    make_post(citizen, published=True, public_text="縦タブ\x0bと\x1bエスケープ")
    body = parse(client.get(f"{BASE}/requests.{fmt}"), fmt)
    text = body[0]["description"] if fmt == "json" else body.find("request/description").text
    assert "縦タブ" in text
    if fmt == "xml":
        assert "\x0b" not in text


def test_control_characters_are_removed_at_web_input(citizen, citizen_client, road_category):
    client = citizen_client(citizen)
    data = {"category": road_category.pk, "text": "穴\x0bです\x07", "address": "中央区\x1f"}
    assert client.post("/public/post/", data).status_code == 302
    post = Post.objects.get()
    assert post.text == "穴です" and post.address == "中央区"


def test_control_characters_are_removed_at_api_input(citizen, api_client_key):
    client = Client()
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_client_key,
            "service_code": "road-damage",
            "description": "穴\x0bがあります",
            "address_string": "中央区\x0c",
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    assert Post.objects.get().text == "穴があります"


@pytest.mark.parametrize("fmt", FORMATS)
def test_nul_probe_gets_an_open311_400(client, db, fmt):
    """Refused by the site-wide middleware, the only NUL check, in the API's format."""
    probes = [
        client.get(f"{BASE}/requests.{fmt}?service_code=%00"),
        client.get(f"{BASE}/services.{fmt}?x%00=1"),
        client.post(f"{BASE}/requests.{fmt}", {"api_key": "a\x00", "service_code": "x"}),
    ]
    for response in probes:
        description = assert_error(response, fmt, 400)
        assert description == "parameters must not contain NUL characters"


@pytest.mark.parametrize("fmt", FORMATS)
def test_put_and_delete_get_an_open311_405(client, db, fmt):
    response = client.put(f"{BASE}/requests.{fmt}")
    assert_error(response, fmt, 405)
    assert "POST" in response["Allow"]
    assert_error(client.delete(f"{BASE}/services.{fmt}"), fmt, 405)


def test_unknown_formats_and_ids_get_an_open311_404(client, db):
    assert_error(client.get(f"{BASE}/requests.csv"), "json", 404)
    assert_error(client.get(f"{BASE}/requests/abc.xml"), "xml", 404)
    assert_error(client.get(f"{BASE}/requests/abc.json"), "json", 404)
    assert_error(client.get(f"{BASE}/nothing-here"), "json", 404)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", ["2026-13-45T00:00:00", "2026-02-30T10:00:00+09:00"])
def test_an_impossible_date_gets_an_open311_400(client, db, fmt, value):
    query = {"start_date": value, "end_date": "2026-03-01T00:00:00+09:00"}
    assert "start_date" in assert_error(client.get(f"{BASE}/requests.{fmt}", query), fmt, 400)
    updates = client.get(f"{BASE}/request_updates.{fmt}", {"since": value})
    assert "since" in assert_error(updates, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_date_range_over_90_days_is_refused(client, db, fmt):
    query = "start_date=2026-01-01T00:00:00%2B09:00&end_date=2026-06-01T00:00:00%2B09:00"
    description = assert_error(client.get(f"{BASE}/requests.{fmt}?{query}"), fmt, 400)
    assert "90" in description
    assert_error(client.get(f"{BASE}/requests.{fmt}?start_date=yesterday"), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rejected_post_is_closed_with_its_reason_and_no_content(client, citizen, supervisor, fmt):
    post = make_post(citizen, text="となりの山田さんの家の前に穴", photos=1)
    post_reject(
        post=post, user=supervisor, rejection=Post.Rejection.OTHER_BODY, note="兵庫県の道路"
    )
    item = request_item(client, post.pk, fmt)
    assert item["status"] == "closed"
    assert "兵庫県の道路" in item["status_notes"]
    assert not item["description"] and not item["lat"] and not item["media_url"]
    page = client.get(f"/public/posts/{post.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "対応の対象外" in content and "兵庫県の道路" in content
    assert "山田" not in content and "まだ回答はありません" not in content


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicate_links_to_the_original(client, citizen, supervisor, fmt):
    original = make_post(citizen, published=True)
    again = make_post(citizen)
    post_mark_duplicate(post=again, user=supervisor, original=original)
    item = request_item(client, again.pk, fmt)
    assert item["status"] == "closed"
    assert item["duplicate_of"] == str(original.pk)
    assert str(original.pk) in item["status_notes"]
    page = client.get(f"/public/posts/{again.pk}/").content.decode()
    assert f'href="/public/posts/{original.pk}/"' in page


def test_updated_datetime_moves_when_the_case_progresses_and_closes(
    client,
    citizen,
    supervisor,
    staff_tobu,
    road,  # noqa: F811
):
    post = make_post(citizen, published=True)
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    seen = [request_item(client, post.pk, "json")["updated_datetime"]]
    Post.objects.filter(pk=post.pk).update(updated_at=post.updated_at.replace(year=2020))
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at.replace(year=2020))
    case.refresh_from_db()
    case = case_reply(case=case, user=staff_tobu, reply_text="補修しました")
    seen.append(request_item(client, post.pk, "json")["updated_datetime"])
    assert seen[1] > "2021", "answered: the public status changed, so did updated_datetime"
    Post.objects.filter(pk=post.pk).update(updated_at=post.updated_at.replace(year=2020))
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at.replace(year=2020))
    case.refresh_from_db()
    case = case_change_status(case=case, user=supervisor, status=Case.Status.CITIZEN_ANSWERED)
    case_change_status(case=case, user=supervisor, status=Case.Status.CLOSED)
    item = request_item(client, post.pk, "json")
    assert item["status"] == "closed" and item["updated_datetime"] > "2021"


@pytest.mark.parametrize("fmt", FORMATS)
def test_pagination_pages_through_all_requests(client, citizen, fmt):
    made = [make_post(citizen, published=True) for _ in range(3)]

    def page(query: str) -> list[str]:
        body = parse(client.get(f"{BASE}/requests.{fmt}?{query}"), fmt)
        if fmt == "json":
            return [r["service_request_id"] for r in body]
        return [r.findtext("service_request_id") for r in body.findall("request")]

    seen = page("page_size=2") + page("page_size=2&page=2")
    assert sorted(seen) == sorted(str(p.pk) for p in made)
    assert page("page_size=2&page=3") == []
    assert_error(client.get(f"{BASE}/requests.{fmt}?page=0"), fmt, 400)
    assert_error(client.get(f"{BASE}/requests.{fmt}?page_size=x"), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_endpoint_lists_what_changed_since_a_time(client, citizen, supervisor, fmt):
    old = make_post(citizen, published=True)
    Post.objects.filter(pk=old.pk).update(updated_at=old.updated_at.replace(year=2020))
    changed = make_post(citizen)
    post_reject(post=changed, user=supervisor, rejection=Post.Rejection.SPAM)
    body = parse(client.get(f"{BASE}/request_updates.{fmt}?since=2021-01-01T00:00:00Z"), fmt)
    if fmt == "json":
        assert [(u["service_request_id"], u["status"]) for u in body] == [
            (str(changed.pk), "closed")
        ]
    else:
        assert body.tag == "service_request_updates"
        assert [u.findtext("service_request_id") for u in body] == [str(changed.pk)]
    assert_error(client.get(f"{BASE}/request_updates.{fmt}"), fmt, 400)
