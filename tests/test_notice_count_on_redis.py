"""The unread-notice badge stays right on the real cache (Redis), not only in memory."""

import os
import uuid

import pytest

from kobepost.notifications.services import notice_post, notice_unread_count
from tests.fixtures import service_missing


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("REDIS_URL is not set")
    # A prefix of our own: nothing cached by other tests or runs can match.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }


def test_unread_count_follows_every_new_notice(
    redis_cache, staff_tobu, kobe, django_capture_on_commit_callbacks
):
    department = kobe["kensetsu-tobu"]
    for number in range(1, 4):
        with django_capture_on_commit_callbacks(execute=True):
            notice_post(department=department, title=f"新しい案件 2026-00000{number}")
        # The first call caches the count; every later notice must move it on.
        assert notice_unread_count(staff_tobu) == number
