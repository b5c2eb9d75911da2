"""Notification mail text: plain Japanese, built from templates, without personal data.

Mail crosses networks we do not control (LGWAN gateways, contractors' providers), so it
carries only what identifies a case to staff: reference number, category, ward, the case's
title and its state, plus a link into the tool. The caller's name, phone number, address or
health details are never put into ``CaseFacts``, so no template can show them.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import cast

from django.conf import settings
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.utils import translation
from django.utils.formats import date_format

MAIL_TEMPLATE = "notifications/mail.txt"
SUBJECT_MAX_LENGTH = 200
WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True, kw_only=True)
class CaseFacts:
    """What a notification mail may say about a case. Nothing here identifies a person."""

    reference: str
    category: str
    ward: str
    title: str = ""
    status: str = ""
    previous_status: str = ""
    department: str = ""
    previous_department: str = ""
    contractor: str = ""
    due_date: date | None = None


def japanese_date(value: date) -> str:
    return f"{date_format(value, 'Y年n月j日')}（{WEEKDAYS[value.weekday()]}）"


def absolute_link(link: str) -> str:
    if not link:
        return ""
    if link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL + "/" + link.lstrip("/")


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _render_plain(name: str, context: dict) -> str:
    # Plain text: "&" in a category name must stay "&", not become "&amp;".
    template = cast(DjangoTemplates, engines["django"]).engine.get_template(name)
    return template.render(Context(context, autoescape=False))


def mail_render(kind: str, facts: CaseFacts, *, link: str = "") -> tuple[str, str]:
    """Subject and body of a notification mail of ``kind`` (a ``Notification.Kind``)."""
    context = asdict(facts) | {
        "due_date_text": japanese_date(facts.due_date) if facts.due_date else "",
        "url": absolute_link(link),
    }
    # Recipients read Japanese whatever language the staff member who caused it uses.
    with translation.override("ja"):
        subject = _render_plain(f"{MAIL_TEMPLATE}#{kind}_subject", context)
        body = _render_plain(f"{MAIL_TEMPLATE}#{kind}_body", context)
    subject = " ".join(subject.split())[:SUBJECT_MAX_LENGTH]
    return subject, _tidy(body)
