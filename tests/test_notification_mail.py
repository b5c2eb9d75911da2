"""Mail text: Japanese, with reference, category, ward and link, and no personal data."""

import dataclasses
from datetime import date

import pytest
from django.conf import settings
from django.utils import translation

from kobepost.notifications.mail import CaseFacts, mail_render
from kobepost.notifications.models import Notification

FACTS = CaseFacts(
    reference="R8-004567",
    category="ごみの不法投棄 & 粗大ごみ",
    ward="灘区",
    title="公園入口の放置物",
    status="対応中",
    previous_status="受付",
    department="環境局業務課",
    previous_department="東部建設事務所",
    contractor="神戸道路サービス",
    due_date=date(2026, 4, 1),
)


# Mail to citizens (account and post status) is written by kobepost/public/mail.py from
# the post, not from a case's facts; its texts are tested in test_citizen_status_mail.py.
CITIZEN_KINDS = {Notification.Kind.CITIZEN_ACCOUNT, Notification.Kind.POST_STATUS}


@pytest.mark.parametrize("kind", sorted(set(Notification.Kind.values) - CITIZEN_KINDS))
def test_every_kind_has_a_japanese_subject_and_body(kind):
    subject, body = mail_render(kind, FACTS, link="/cases/4567/")
    assert "\n" not in subject
    assert "R8-004567" in subject
    for expected in ["受付番号: R8-004567", "分類: ごみの不法投棄 & 粗大ごみ", "区: 灘区"]:
        assert expected in body
    assert f"{settings.SITE_URL}/cases/4567/" in body
    assert "&amp;" not in subject + body  # plain text, not HTML
    assert "{{" not in body and "{%" not in body
    assert "対応期限: 2026年4月1日（水）" in body


def test_facts_cannot_carry_personal_data():
    # The only way into a mail is a CaseFacts field; none of them is about a person.
    fields = {field.name for field in dataclasses.fields(CaseFacts)}
    assert fields.isdisjoint(
        {"caller_name", "name", "phone", "address", "email", "health", "caller"}
    )
    with pytest.raises(TypeError):
        CaseFacts(reference="R8-1", category="c", ward="w", caller_name="山田 太郎")


def test_mail_is_japanese_even_when_the_user_reads_english():
    with translation.override("en"):
        subject, body = mail_render(Notification.Kind.STATUS_CHANGE, FACTS, link="/cases/1/")
    assert subject == "【KOBE ぽすと】状況変更 R8-004567：対応中"
    assert "変更前: 受付" in body


def test_no_link_no_url_line():
    _subject, body = mail_render(Notification.Kind.CONTRACTOR_REQUEST, FACTS, link="")
    assert "http" not in body
    assert body.startswith("神戸道路サービス 御中")
