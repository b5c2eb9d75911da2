"""Fixtures of the citizen side: citizens, posts, generated photos, a private MEDIA_ROOT.

The test packages of the areas that work on posts import them into their conftest.py.
"""

import io
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from kobepost.public.auth import SESSION_CITIZEN_HASH, SESSION_CITIZEN_ID, _auth_hash
from kobepost.public.models import ApiClient, Citizen, Post, PostCategory
from kobepost.public.photos import clean_photo
from kobepost.public.services import post_create

CITIZEN_PASSWORD = "kobe-port-tower-2026"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def make_citizen(login_id="minato_taro", **extra) -> Citizen:
    values = {
        "name": "港 太郎",
        "name_kana": "ミナト タロウ",
        "address": "神戸市中央区加納町6-5-1",
        "phone": "078-331-8181",
        "gender": Citizen.Gender.MALE,
        "birth_year": 1980,
        "occupation": Citizen.Occupation.EMPLOYEE,
        "email": f"{login_id}@example.jp",
        "nickname": "みなとっ子",
    }
    values.update(extra)
    citizen = Citizen(login_id=login_id, **values)
    citizen.set_password(CITIZEN_PASSWORD)
    citizen.save()
    return citizen


@pytest.fixture
def citizen(db):
    return make_citizen()


@pytest.fixture
def citizen_client():
    """``citizen_client(citizen)``: a test client signed in as that citizen."""

    def make(citizen: Citizen, client: Client | None = None) -> Client:
        client = client or Client()
        session = client.session
        session[SESSION_CITIZEN_ID] = citizen.pk
        session[SESSION_CITIZEN_HASH] = _auth_hash(citizen)
        session.save()
        return client

    return make


@pytest.fixture
def road_category(db):
    return PostCategory.objects.get(code="road-damage")


def make_post(citizen: Citizen, *, photos: int = 0, published: bool = False, **extra) -> Post:
    post = post_create(
        citizen=citizen,
        category=extra.pop("category", None) or PostCategory.objects.get(code="road-damage"),
        text=extra.pop("text", "歩道に穴があいています。"),
        lat=extra.pop("lat", 34.6901),
        lng=extra.pop("lng", 135.1955),
        address=extra.pop("address", "中央区加納町6丁目"),
        photos=[clean_photo(jpeg_upload()) for _ in range(photos)],
    )
    if published or extra:
        for key, value in extra.items():
            setattr(post, key, value)
        post.published = published
        post.save()
    return post


@pytest.fixture
def api_client_key(db):
    client = ApiClient(name="テストアプリ")
    key = client.issue_key()
    client.save()
    return key


@pytest.fixture
def mailed(celery_eager, mail_settings, smtp_server, django_capture_on_commit_callbacks):
    """``with mailed() as inbox:`` runs a request whose mail reaches the SMTP server."""

    @contextmanager
    def run():
        before = len(smtp_server.messages)
        inbox: list = []
        with django_capture_on_commit_callbacks(execute=True):
            yield inbox
        inbox.extend(smtp_server.messages[before:])

    return run
