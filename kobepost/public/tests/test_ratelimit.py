"""Rate limits on login, registration and posting, per address and per account (Redis).

Counted: accepted actions and clearly failed logins; never a form sent back for a typing
error (many citizens share a mobile carrier's address)."""

import os

import pytest
import redis
from django.core.cache import caches
from django.test import Client

from kobepost.public.models import Citizen, Post
from kobepost.public.tests.fixtures import CITIZEN_PASSWORD
from tests.fixtures import service_missing

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/6"


@pytest.fixture(autouse=True)
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        service_missing(f"Redis not reachable at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kobepost-test-ratelimit",
        }
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_login_is_limited_per_account(client, citizen, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "login_account": (3, 900)}
    for _ in range(3):
        response = client.post("/public/login/", {"login_id": citizen.login_id, "password": "x"})
        assert response.status_code == 400
    response = client.post(
        "/public/login/", {"login_id": citizen.login_id, "password": CITIZEN_PASSWORD}
    )
    assert response.status_code == 429
    assert "しばらくしてからお試しください" in response.content.decode()
    assert "分後にもう一度お試しください" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 900
    other = client.post("/public/login/", {"login_id": "someone", "password": "x"})
    assert other.status_code == 400, "another account is not blocked"


def test_login_is_limited_per_address(client, citizen, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "login_address": (2, 3600)}
    for name in ("a1", "a2"):
        assert client.post("/public/login/", {"login_id": name, "password": "x"}).status_code == 400
    response = client.post("/public/login/", {"login_id": "a3", "password": "x"})
    assert response.status_code == 429
    from_elsewhere = client.post(
        "/public/login/", {"login_id": "a4", "password": "x"}, REMOTE_ADDR="192.0.2.7"
    )
    assert from_elsewhere.status_code == 400


def test_empty_login_fields_are_not_counted(client, citizen, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "login_account": (1, 900)}
    for _ in range(5):
        response = client.post("/public/login/", {"login_id": citizen.login_id, "password": ""})
        assert response.status_code == 400
    response = client.post(
        "/public/login/", {"login_id": citizen.login_id, "password": CITIZEN_PASSWORD}
    )
    assert response.status_code == 302


def test_refused_registrations_are_not_counted_accepted_ones_are(db, settings):
    from kobepost.public.tests.test_citizen_accounts import registration

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "register_address": (1, 3600)}
    for _ in range(6):
        assert Client().post("/public/register/", {}).status_code == 400
    assert Client().post("/public/register/", registration()).status_code == 302
    refused = Client().post("/public/register/", registration(login_id="second_one"))
    assert refused.status_code == 429
    assert "分後にもう一度お試しください" in refused.content.decode()
    assert Citizen.objects.count() == 1


def test_posting_is_limited_per_account(citizen, citizen_client, road_category, settings):
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "post_account": (2, 3600)}
    client = citizen_client(citizen)
    data = {"category": road_category.pk, "text": "穴", "address": "中央区"}
    assert client.post("/public/post/", data).status_code == 302
    assert client.post("/public/post/", data).status_code == 302
    response = client.post("/public/post/", data)
    assert response.status_code == 429
    assert Post.objects.count() == 2
    assert client.get("/public/post/").status_code == 200, "reading is never limited"


def test_a_citizen_correcting_photo_errors_is_not_locked_out(
    citizen, citizen_client, road_category, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "post_account": (1, 3600)}
    client = citizen_client(citizen)
    data = {"category": road_category.pk, "text": "穴", "address": "中央区"}
    for _ in range(12):
        broken = SimpleUploadedFile("a.jpg", b"not a photo", content_type="image/jpeg")
        assert client.post("/public/post/", {**data, "photos": broken}).status_code == 400
    assert client.post("/public/post/", data).status_code == 302
    assert client.post("/public/post/", data).status_code == 429


def test_a_refused_registration_keeps_what_was_typed(db, settings):
    from kobepost.public.tests.test_citizen_accounts import registration

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "register_address": (1, 3600)}
    assert Client().post("/public/register/", registration()).status_code == 302
    typed = registration(login_id="second_one", nickname="ふたりめ")
    refused = Client().post("/public/register/", typed)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "入力した内容は残してあります" in page and "分後にもう一度お試しください" in page
    assert 'value="second_one"' in page and 'value="ふたりめ"' in page
    assert typed["password1"] not in page, "a password is never sent back"
    assert Citizen.objects.count() == 1


def test_a_refused_post_keeps_the_text_and_asks_for_photos_again(
    citizen, citizen_client, road_category, settings
):
    from kobepost.public.tests.fixtures import jpeg_upload

    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "post_account": (1, 3600)}
    client = citizen_client(citizen)
    data = {"category": road_category.pk, "text": "穴", "address": "中央区"}
    assert client.post("/public/post/", data).status_code == 302
    typed = {"category": road_category.pk, "text": "二つ目の穴の説明", "address": "灘区深田町"}
    refused = client.post("/public/post/", {**typed, "photos": jpeg_upload()})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    page = refused.content.decode()
    assert "二つ目の穴の説明" in page and 'value="灘区深田町"' in page
    assert f'<option value="{road_category.pk}" selected>' in page
    assert "写真は受け取れなかったので、もう一度選んでください。" in page
    assert Post.objects.count() == 1
