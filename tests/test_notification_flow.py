"""Notification mail end to end: the views, PostgreSQL, Redis, a Celery worker and SMTP.

"Exactly once" is checked with a later marker mail: the solo worker handles tasks in order,
so once the marker arrived every earlier task (duplicates included) has been handled.
"""

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from callcenter.tests.test_intake import token_of, valid_post
from departments.models import Contractor
from departments.tests.outside_mail import preview_and_send
from kobepost.notifications.mail import CaseFacts
from kobepost.notifications.models import Notification
from kobepost.notifications.services import event_key, notification_queue_case
from tests.services import wait_until
from tickets.models import Case

pytestmark = pytest.mark.services

CALLER_DATA = ["日向", "ひなた", "ヒナタ", "078-331-8181", "0783318181", "331-8181"]


def send_marker(smtp_server, number: int) -> None:
    marker = f"marker{number}@tobu.example"
    with transaction.atomic():
        notification_queue_case(
            kind=Notification.Kind.NEW_CASE,
            event_key=event_key("marker", number),
            recipients=[marker],
            facts=CaseFacts(reference="marker", category="-", ward="-"),
            link="/",
        )
    wait_until(lambda: smtp_server.messages_to(marker), what="the marker mail")


def body_of(message) -> str:
    return message.get_content()


def create_case_as_operator(client) -> Case:
    token = token_of(client.get(reverse("callcenter:case_create")))
    response = client.post(reverse("callcenter:case_create"), valid_post(token))
    assert response.status_code == 302
    return Case.objects.get()


def test_operator_case_reaches_department_once_and_reply_reaches_callcenter(
    celery_worker, smtp_server, login_client, operator, staff_tobu, kobe
):
    department_address = kobe["kensetsu-tobu"].email_list[0]
    case = create_case_as_operator(login_client(operator))

    smtp_server.wait_for_messages(1)
    [message] = smtp_server.messages_to(department_address)
    assert case.reference in message["Subject"]
    body = body_of(message)
    assert case.reference in body
    assert f"{settings.SITE_URL}/departments/cases/{case.pk}/" in body
    assert not any(word in body or word in message["Subject"] for word in CALLER_DATA)

    response = login_client(staff_tobu).post(
        reverse("departments:case_reply", args=[case.pk]),
        {"reply-version": Case.objects.get().version, "reply-reply_text": "本日補修しました。"},
    )
    assert response.status_code == 302
    wait_until(lambda: smtp_server.messages_to(settings.CALLCENTER_MAILBOX), what="the reply mail")
    [reply] = smtp_server.messages_to(settings.CALLCENTER_MAILBOX)
    assert "所管課から回答" in reply["Subject"] and case.reference in reply["Subject"]
    assert not any(word in body_of(reply) for word in CALLER_DATA)

    send_marker(smtp_server, 1)
    assert len(smtp_server.messages_to(department_address)) == 1
    assert len(smtp_server.messages_to(settings.CALLCENTER_MAILBOX)) == 1
    # The worker records "sent" just after the SMTP server accepted the marker.
    wait_until(
        lambda: set(Notification.objects.values_list("status", flat=True)) == {"sent"},
        what="every row marked sent",
    )


def test_contractor_request_mail_has_the_place_and_problem_not_the_caller(
    celery_worker, smtp_server, login_client, operator, staff_tobu
):
    case = create_case_as_operator(login_client(operator))
    smtp_server.wait_for_messages(1)
    contractor = Contractor.objects.get(name="神戸道路補修株式会社")

    response, shown = preview_and_send(
        login_client(staff_tobu),
        reverse("departments:case_contractor", args=[case.pk]),
        {"contractor-contractor": contractor.pk, "contractor-note": "至急お願いします"},
    )
    assert response.status_code == 302
    wait_until(lambda: smtp_server.messages_to(contractor.email), what="the contractor mail")
    [message] = smtp_server.messages_to(contractor.email)
    body = body_of(message)
    assert body.replace("\r\n", "\n") == shown  # SMTP lines end in CRLF
    for expected in [
        case.reference,
        "中央区",
        "中央区三宮町1丁目",
        "34.694600, 135.195500",
        "https://maps.gsi.go.jp/#17/34.694600/135.195500/",
        "歩道の陥没",
        "三宮駅の南、歩道が陥没している。",
        "至急お願いします",
    ]:
        assert expected in body, expected
    assert not any(word in body or word in message["Subject"] for word in CALLER_DATA)
    assert case.events.filter(kind="contractor").exists()
