"""A PBX with its token, operators seated at extensions, and a helper posting events."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from faq.models import FaqEntry
from kobepost.cti.models import Pbx, Seat
from tickets.models import Category, Dial

EVENTS_URL = "/cti/pbx/events/"


@pytest.fixture
def pbx(db):
    """(pbx, token): a registered phone system and the token it authenticates with."""
    pbx = Pbx(name="本庁 PBX")
    token = pbx.issue_token()
    pbx.save()
    return pbx, token


@pytest.fixture
def pbx_client():
    """A client posting from the PBX's address (loopback is in the default networks)."""
    return Client(REMOTE_ADDR="127.0.0.1")


@pytest.fixture
def post_event(pbx, pbx_client):
    """``post_event(**fields)`` posts one JSON event with the PBX's token; returns the response."""
    _pbx, token = pbx

    def post(token: str = token, client: Client = pbx_client, **fields):
        return client.post(
            EVENTS_URL,
            data=json.dumps(fields),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


@pytest.fixture
def seated(operator, operator2):
    """Operator 山田 at extension 201, 佐藤 at 202."""
    Seat.objects.create(user=operator, extension="201")
    Seat.objects.create(user=operator2, extension="202")
    return operator, operator2


def minutes_ago(minutes: float) -> str:
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def roads(kobe):
    return Dial.objects.get(code="roads")


@pytest.fixture
def faq_entry(roads):
    """A published FAQ entry of the roads dial."""
    return FaqEntry.objects.create(
        question="粗大ごみの出し方は？",
        answer="受付センターへ。",
        dial=roads,
        department=Category.objects.get(code="road-damage").department,
        status=FaqEntry.Status.PUBLISHED,
    )
