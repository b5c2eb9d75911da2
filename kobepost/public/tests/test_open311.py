"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, every error case."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kobepost.public.models import ApiClient, Post
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post

BASE = "/public/open311/v2"
FORMATS = ["json", "xml"]


def parse(response, fmt: str):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def assert_error(response, fmt: str, status: int) -> str:
    assert response.status_code == status
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list) and body[0]["code"] == status
        assert body[0]["description"]
        return body[0]["description"]
    assert body.tag == "errors"
    error = body.find("error")
    assert error.findtext("code") == str(status)
    assert error.findtext("description")
    return error.findtext("description")


@pytest.fixture
def published(citizen):
    return make_post(citizen, photos=1, published=True, public_reply="補修しました。")


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, db, fmt):
    body = parse(client.get(f"{BASE}/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/public/open311/v2")
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    else:
        assert body.tag == "discovery"
        endpoint = body.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list(client, db, fmt):
    body = parse(client.get(f"{BASE}/services.{fmt}"), fmt)
    if fmt == "json":
        names = {s["service_code"]: s["service_name"] for s in body}
        assert body[0].keys() >= {"service_code", "service_name", "metadata", "type"}
        metadata = {s["service_code"]: s["metadata"] for s in body}
        assert metadata["other"] is False and metadata["park-equipment"] is True
    else:
        assert body.tag == "services"
        names = {s.findtext("service_code"): s.findtext("service_name") for s in body}
        metadata = {s.findtext("service_code"): s.findtext("metadata") for s in body}
        assert metadata["other"] == "false" and metadata["park-equipment"] == "true"
    assert names["road-damage"] == "道路の損傷"
    assert names["abandoned-bicycle"] == "放置自転車"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_and_unknown_service(client, db, fmt):
    body = parse(client.get(f"{BASE}/services/other.{fmt}"), fmt)
    if fmt == "json":
        assert body == {"service_code": "other", "attributes": []}
    else:
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "other"
        assert body.find("attributes/attribute") is None
    assert_error(client.get(f"{BASE}/services/no-such-thing.{fmt}"), fmt, 404)


def test_unknown_format_is_404(client, db):
    assert client.get(f"{BASE}/services.csv").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_list_shows_published_posts_only(client, citizen, published, fmt):
    hidden = make_post(citizen, text="未公開の投稿")
    body = parse(client.get(f"{BASE}/requests.{fmt}"), fmt)
    if fmt == "json":
        ids = [r["service_request_id"] for r in body]
        item = body[0]
        assert item["status"] == "open"
        assert item["status_notes"] == "補修しました。"
        assert item["service_code"] == "road-damage"
        assert item["lat"] == pytest.approx(34.6901)
        assert item["long"] == pytest.approx(135.1955)
        assert item["media_url"].startswith("http://testserver/public/photos/")
        requested = datetime.fromisoformat(item["requested_datetime"])
        assert requested.utcoffset() is not None
        assert item["requested_datetime"].endswith("+09:00")
    else:
        assert body.tag == "service_requests"
        ids = [r.findtext("service_request_id") for r in body.findall("request")]
        assert body.find("request/status").text == "open"
        assert body.find("request/requested_datetime").text.endswith("+09:00")
    assert ids == [str(published.pk)]
    assert str(hidden.pk) not in ids


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_filters(client, citizen, fmt):
    road = make_post(citizen, published=True)
    light = make_post(citizen, published=True, status=Post.Status.DONE)
    light.category_id = light.category.__class__.objects.get(code="street-light").pk
    light.save()

    def ids(query: str) -> set[str]:
        body = parse(client.get(f"{BASE}/requests.{fmt}?{query}"), fmt)
        if fmt == "json":
            return {r["service_request_id"] for r in body}
        return {r.findtext("service_request_id") for r in body.findall("request")}

    assert ids("service_code=street-light") == {str(light.pk)}
    assert ids("status=open") == {str(road.pk)}
    assert ids("status=closed") == {str(light.pk)}
    assert ids(f"service_request_id={road.pk},{light.pk}") == {str(road.pk), str(light.pk)}
    assert ids("start_date=2000-01-01T00:00:00%2B09:00&end_date=2000-02-01T00:00:00Z") == set()
    assert ids("start_date=2000-01-01T00:00:00%2B09:00") == {str(road.pk), str(light.pk)}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=yesterday",
        "end_date=2026-13-45",
        "service_request_id=abc",
        "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
    ],
)
def test_request_list_bad_filters_are_400(client, db, fmt, query):
    assert_error(client.get(f"{BASE}/requests.{fmt}?{query}"), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_single_request_and_404s(client, citizen, published, fmt):
    body = parse(client.get(f"{BASE}/requests/{published.pk}.{fmt}"), fmt)
    if fmt == "json":
        assert body[0]["service_request_id"] == str(published.pk)
        assert body[0]["description"] == published.public_text
    else:
        assert body.find("request/service_request_id").text == str(published.pk)
    unpublished = make_post(citizen)
    assert_error(client.get(f"{BASE}/requests/{unpublished.pk}.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/requests/999999.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_lookup(client, citizen, fmt):
    post = make_post(citizen)
    body = parse(client.get(f"{BASE}/tokens/{post.token}.{fmt}"), fmt)
    if fmt == "json":
        assert body == [{"service_request_id": str(post.pk), "token": str(post.token)}]
    else:
        assert body.find("request/service_request_id").text == str(post.pk)
        assert body.find("request/token").text == str(post.token)
    assert_error(client.get(f"{BASE}/tokens/00000000-0000-0000-0000-000000000000.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/tokens/not-a-token.{fmt}"), fmt, 404)


def _post_fields(api_key: str, **extra) -> dict:
    return {
        "api_key": api_key,
        "service_code": "road-damage",
        "description": "交差点の近くで舗装がはがれています。",
        "lat": "34.6950",
        "long": "135.1900",
        **extra,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_request_with_photos(client, citizen, api_client_key, fmt):
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.{fmt}",
        _post_fields(api_client_key, media=[jpeg_upload(), jpeg_upload("b.png")]),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    body = parse(response, fmt)
    post = Post.objects.get()
    if fmt == "json":
        assert body[0]["service_request_id"] == str(post.pk)
        assert body[0]["token"] == str(post.token)
    else:
        assert body.find("request/service_request_id").text == str(post.pk)
    assert post.citizen == citizen
    assert post.nickname == citizen.nickname
    assert post.channel == Post.Channel.API
    assert post.api_client == ApiClient.objects.get()
    assert post.photos.count() == 2
    assert post.published is False


def test_create_request_token_as_field_and_personal_fields_ignored(client, citizen, api_client_key):
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.json",
        _post_fields(api_client_key, citizen_token=token, first_name="偽名", phone="0000"),
    )
    assert response.status_code == 201
    assert Post.objects.get().citizen == citizen


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "wrong"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "no-such-service"}, 400),
        ({"description": ""}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"lat": "north", "long": "135"}, 400),
        ({"lat": "95", "long": "135"}, 400),
        ({"lat": "34.6937", "long": "135.5023"}, 400),  # 大阪市
    ],
)
def test_create_request_errors(client, citizen, api_client_key, fmt, change, status):
    token = citizen.issue_api_token()
    fields = _post_fields(api_client_key)
    fields.update(change)
    response = client.post(f"{BASE}/requests.{fmt}", fields, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(response, fmt, status)
    assert not Post.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token"])
def test_create_request_needs_a_citizen_token(client, citizen, api_client_key, fmt, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.post(f"{BASE}/requests.{fmt}", _post_fields(api_client_key), **headers)
    assert_error(response, fmt, 403)
    assert not Post.objects.exists()


def test_inactive_api_client_is_refused(client, citizen, api_client_key):
    ApiClient.objects.update(active=False)
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.json", _post_fields(api_client_key), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_error(response, "json", 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_request_bad_photo_is_400_and_stores_nothing(
    client, citizen, api_client_key, private_media, fmt
):
    token = citizen.issue_api_token()
    text_file = SimpleUploadedFile("photo.jpg", b"not a photo at all", content_type="image/jpeg")
    response = client.post(
        f"{BASE}/requests.{fmt}",
        _post_fields(api_client_key, media=[jpeg_upload(), text_file]),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    description = assert_error(response, fmt, 400)
    assert "写真として読み込めない" in description
    assert not Post.objects.exists()
    assert not (private_media / "posts").exists() or not any((private_media / "posts").iterdir())


def test_rate_limited_post_is_429_in_open311_format(client, citizen, api_client_key, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "post_account": (2, 3600)}
    token = citizen.issue_api_token()
    for _ in range(2):
        response = client.post(
            f"{BASE}/requests.json",
            _post_fields(api_client_key),
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201
    response = client.post(
        f"{BASE}/requests.json", _post_fields(api_client_key), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_error(response, "json", 429)
    assert Post.objects.count() == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "discovery.json"),
        ("post", "services.json"),
        ("post", "services/other.json"),
        ("post", "requests/1.json"),
        ("post", "tokens/x.json"),
        ("put", "requests.json"),
        ("delete", "requests.xml"),
    ],
)
def test_wrong_methods_are_405(client, db, method, path):
    assert getattr(client, method)(f"{BASE}/{path}").status_code == 405


def test_post_needs_no_csrf_token(citizen, api_client_key):
    client = Client(enforce_csrf_checks=True)
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.json", _post_fields(api_client_key), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201


def test_openapi_document_lists_every_endpoint(client, db):
    document = client.get(f"{BASE}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/discovery.{format}",
        "/services.{format}",
        "/services/{service_code}.{format}",
        "/requests.{format}",
        "/requests/{service_request_id}.{format}",
        "/request_updates.{format}",
        "/tokens/{token}.{format}",
    }
    assert "post" in document["paths"]["/requests.{format}"]


def test_list_query_count_does_not_grow(client, citizen, django_assert_max_num_queries):
    for _ in range(3):
        make_post(citizen, photos=1, published=True)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/requests.json").json()) == 3
    other = make_citizen("second_one")
    for _ in range(5):
        make_post(other, photos=1, published=True)
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/requests.json").json()) == 8


def test_a_point_outside_kobe_is_refused_with_the_staff_intakes_message(
    client, citizen, api_client_key
):
    token = citizen.issue_api_token()
    response = client.post(
        f"{BASE}/requests.json",
        _post_fields(api_client_key, lat="34.6937", long="135.5023"),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    description = assert_error(response, "json", 400)
    assert description.startswith("lat/long: outside_kobe:") and "神戸市外です" in description
    assert not Post.objects.exists()
