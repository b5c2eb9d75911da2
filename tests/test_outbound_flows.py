"""No mail that leaves the tool carries a generated caller's personal data (property-based).

Every flow that sends mail runs as users run it (the screens' POSTs, the contractor and
agency previews confirmed, the daily reminder), and the mail goes the real way: outbox row,
Redis, the Celery worker, SMTP. The callers are generated (tickets.tests.personal_data):
names with and without the space, kana, their phone in full-width, spaced, bracketed and
dotted spellings, other people's numbers, e-mail addresses and symptoms, typed into titles,
details, addresses, notes and replies.
"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.tests.test_intake import token_of, valid_post
from departments.models import Contractor, OverdueReminder, RelatedAgency
from departments.services import overdue_remind
from departments.tests.outside_mail import preview_and_send
from kobepost.notifications.models import Notice, Notification
from tests.services import wait_until
from tickets.models import Case, Category
from tickets.tests.personal_data import (
    RECORDED_SYMPTOMS,
    SHORT_EMAILS,
    callers,
    leaks,
    phone_spellings,
    texts_about,
)

pytestmark = pytest.mark.services

# Each example sends: intake, urgent intake, contractor, reply, transfer, health intake,
# agency, reminder.
MAILS_PER_EXAMPLE = 8
FIRST_REMINDER_DAY = datetime.date(2027, 1, 4)


def intake(client, **fields) -> Case:
    url = reverse("callcenter:case_create")
    response = client.post(url, valid_post(token_of(client.get(url)), **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def version(case: Case) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


@settings(
    max_examples=6,
    deadline=None,
    database=None,
    # One worker, SMTP server and database for all examples: each example counts only the
    # mail it caused and makes its own cases.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_mail_of_any_flow_carries_a_generated_personal_item(
    data, celery_worker, smtp_server, login_client, operator, staff_tobu, staff_eisei, kobe
):
    caller = data.draw(callers(emails=SHORT_EMAILS), label="caller")
    symptoms = data.draw(RECORDED_SYMPTOMS, label="symptoms")

    def text(max_items: int = 4, *, health: bool = False) -> str:
        return data.draw(
            texts_about(caller, max_items=max_items, symptoms=symptoms if health else ())
        )

    def phone() -> str:
        return data.draw(st.sampled_from(phone_spellings(caller.phone)[:-1]))

    person = {"caller_name": caller.name, "caller_kana": caller.kana, "caller_phone": phone()}
    operator_client = login_client(operator)
    tobu = login_client(staff_tobu)
    before = len(smtp_server.messages)

    # Intake, then an urgent intake: the department's mail.
    road = intake(operator_client, **person, title=text(), details=text(12), address=text(3))
    urgent = intake(
        operator_client,
        **person,
        title=text(),
        details=text(12),
        urgent="on",
        urgent_contact="東部建設事務所 高橋",
    )
    # The contractor (previewed and confirmed), then the reply: contractor and call center.
    contractor = Contractor.objects.get(name="神戸道路補修株式会社")
    response, _shown = preview_and_send(
        tobu,
        reverse("departments:case_contractor", args=[road.pk]),
        {"contractor-contractor": contractor.pk, "contractor-note": text(8)},
    )
    assert response.status_code == 302
    response = tobu.post(
        reverse("departments:case_reply", args=[road.pk]),
        {"reply-version": version(road), "reply-reply_text": text(8)},
    )
    assert response.status_code == 302
    # A transfer: the new department's mail.
    response = tobu.post(
        reverse("departments:case_transfer", args=[urgent.pk]),
        {
            "transfer-version": version(urgent),
            "transfer-department": kobe["kensetsu-seibu"].pk,
            "transfer-note": text(6),
        },
    )
    assert response.status_code == 302
    # A health case, handed to an agency by mail: details with symptoms stay in the city.
    food = intake(
        operator_client,
        **person,
        category=str(Category.objects.get(code="food-poisoning").pk),
        title=text(),
        details=text(12, health=True),
        health_symptoms="、".join(symptoms),
    )
    agency = RelatedAgency.objects.get(name="兵庫県 神戸土木事務所")
    response, _shown = preview_and_send(
        login_client(staff_eisei),
        reverse("departments:case_agency", args=[food.pk]),
        {
            "agency-agency": agency.pk,
            "agency-handed_at": "2026-11-20T11:00",
            "agency-method": "email",
            # A note copied from the intake, symptoms and all: the likely slip.
            "agency-note": text(8, health=True),
            "agency-send_mail": "on",
        },
    )
    assert response.status_code == 302
    # The daily reminder, with only this example's health case overdue.
    today = FIRST_REMINDER_DAY + datetime.timedelta(days=OverdueReminder.objects.count())
    Case.objects.exclude(pk=food.pk).update(reply_due_date=today + datetime.timedelta(days=90))
    Case.objects.filter(pk=food.pk).update(reply_due_date=today - datetime.timedelta(days=1))
    assert overdue_remind(today=today) == 1

    received = smtp_server.wait_for_messages(before + MAILS_PER_EXAMPLE)[before:]
    recipients = sorted(str(message["To"]) for message in received)
    assert contractor.email in recipients and agency.email in recipients
    for message in received:
        mail_text = f"{message['Subject']}\n{message.get_content()}"
        assert leaks(mail_text, caller, symptoms=symptoms) == [], (message["To"], mail_text)
    for notice in Notice.objects.order_by("-pk")[:MAILS_PER_EXAMPLE]:
        assert leaks(notice.title, caller, symptoms=symptoms) == [], notice.title
    # Leave the worker idle (every row recorded as sent) for the next example or test.
    wait_until(
        lambda: not Notification.objects.exclude(status=Notification.Status.SENT).exists(),
        what="every row marked sent",
    )
