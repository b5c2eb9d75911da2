"""Fixtures of the retention tests: a private MEDIA_ROOT, a retention class, closed cases."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from kobepost.privacy import retention
from kobepost.privacy.models import RetentionClass
from kobepost.public.models import PostCategory
from kobepost.public.tests.fixtures import *  # noqa: F403 - citizens, posts, photos
from tickets.models import Case, CaseEvent, Category
from tickets.services import case_change_status, case_reply
from tickets.tests.factories import make_case

JST = ZoneInfo("Asia/Tokyo")
PERSONAL = {
    "caller_name": "日向 太郎",
    "caller_kana": "ヒナタ タロウ",
    "caller_phone": "078-331-8181",
    "details": "自宅前の歩道に穴。日向です",
    "address": "東灘区住吉東町1-1-1",
}


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JST)


@pytest.fixture(autouse=True)  # type: ignore[no-redef]  # replaces the public fixtures' one
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def three_years(kobe):
    retention_class = RetentionClass.objects.create(name="3年保存", years=3)
    Category.objects.filter(code="road-damage").update(retention_class=retention_class)
    PostCategory.objects.filter(code="road-damage").update(
        ticket_category=Category.objects.get(code="road-damage")
    )
    return retention_class


def closed_case(operator, staff_tobu, closed_at: datetime.datetime, **fields) -> Case:
    case = make_case(operator, reply_needed=False, **{**PERSONAL, **fields})
    case_reply(case=case, user=staff_tobu, reply_text="補修しました。日向様へ連絡済")
    case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    CaseEvent.objects.filter(case=case, to_status=Case.Status.CLOSED).update(at=closed_at)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def approve(admin_user, django_capture_on_commit_callbacks):
    """List what is due and approve it as an administrator, running the after-commit work."""

    def run():
        batch = retention.disposal_batch_prepare()
        assert batch is not None, "nothing was listed"
        with django_capture_on_commit_callbacks(execute=True):
            return retention.disposal_batch_approve(batch=batch, user=admin_user)

    return run
