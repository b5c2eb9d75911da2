"""The words of an in-app notice, rendered when it is read, in the reader's language.

A notice stores a ``code`` and its ``params`` (references, a status code, a count), never
the finished sentence: a notice written while a Japanese speaker worked reads in English
for an English reader. References and category names are data and appear as stored;
status names come from the model's choices, field names from the correction rules.
``Notice.title`` keeps the Japanese text as written: the fallback for a notice without a
code (or with one this version no longer knows) and the text of the admin list.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext

# Codes are stored in the database: never rename one, add a new code instead.
CASE_NEW = "case_new"
CASE_URGENT = "case_urgent"
CASE_STATUS = "case_status"
CASE_TRANSFERRED = "case_transferred"
CASE_REPLIED = "case_replied"
CASE_ANSWERED_DIRECTLY = "case_answered_directly"
CASE_WORK_STATUS = "case_work_status"
CASE_CORRECTED = "case_corrected"
DEPARTMENT_OVERDUE = "department_overdue"

# The msgids are the Japanese sentences the notices always had, so the English catalogue
# already holds them and old titles can be matched against them (migration 0002).
TEMPLATES = {
    CASE_NEW: gettext_lazy("新しい案件 %(case)s"),
    CASE_URGENT: gettext_lazy("緊急案件 %(case)s"),
    CASE_STATUS: gettext_lazy("状況変更 %(case)s: %(status)s"),
    CASE_TRANSFERRED: gettext_lazy("移管された案件 %(case)s"),
    CASE_REPLIED: gettext_lazy("所管課から回答 %(case)s"),
    CASE_ANSWERED_DIRECTLY: gettext_lazy("所管課が市民へ直接回答 %(case)s"),
    CASE_WORK_STATUS: gettext_lazy("対応状況 %(case)s: %(label)s"),
    CASE_CORRECTED: gettext_lazy("訂正 %(case)s: %(fields)s"),
    DEPARTMENT_OVERDUE: gettext_lazy("対応期限を過ぎた案件が %(count)d 件あります"),
}
TITLE_MAX_LENGTH = 200


def case_params(*, reference: str, category: str) -> dict[str, str]:
    """What every case notice names: the reference and the category, as stored."""
    return {"reference": reference, "category": category}


def _case(params: Mapping[str, Any]) -> str:
    return f"{params['reference']} {params['category']}".strip()


def _status(params: Mapping[str, Any]) -> str:
    from tickets.models import Case

    value = params["status"]
    return str(Case.Status(value).label) if value in Case.Status.values else str(value)


def _work_status(params: Mapping[str, Any]) -> str:
    from tickets.models import Case

    value = params["work_status"]
    return str(Case.WorkStatus(value).label) if value in Case.WorkStatus.values else str(value)


def _fields(params: Mapping[str, Any]) -> str:
    from tickets.corrections import CORRECTABLE_FIELDS, field_label

    names = params["fields"]
    labels = [field_label(name) if name in CORRECTABLE_FIELDS else str(name) for name in names]
    # Japanese lists with 「、」, English with a comma: the separator is translated too.
    return pgettext("list separator", "、").join(labels)


# How each placeholder of a template is filled from the params.
PLACEHOLDERS: dict[str, dict[str, Callable[[Mapping[str, Any]], Any]]] = {
    CASE_NEW: {"case": _case},
    CASE_URGENT: {"case": _case},
    CASE_STATUS: {"case": _case, "status": _status},
    CASE_TRANSFERRED: {"case": _case},
    CASE_REPLIED: {"case": _case},
    CASE_ANSWERED_DIRECTLY: {"case": _case},
    CASE_WORK_STATUS: {"case": _case, "label": _work_status},
    CASE_CORRECTED: {"case": _case, "fields": _fields},
    DEPARTMENT_OVERDUE: {"count": lambda params: int(params["count"])},
}


def notice_render(code: str, params: Mapping[str, Any]) -> str | None:
    """The notice's text in the active language; None for an unknown code or bad params."""
    if code not in TEMPLATES:
        return None
    try:
        values = {name: fill(params) for name, fill in PLACEHOLDERS[code].items()}
    except (KeyError, TypeError, ValueError):
        return None  # a row written by a different version; its title still reads
    return str(TEMPLATES[code]) % values


def notice_title(code: str, params: Mapping[str, Any]) -> str:
    """The Japanese text stored with a new notice, as the fallback (see the module text)."""
    with translation.override("ja"):
        text = notice_render(code, params)
    if text is None:
        raise ValueError(f"unknown notice code or params: {code!r} {dict(params)!r}")
    return text[:TITLE_MAX_LENGTH]


def notice_text(*, code: str, params: Mapping[str, Any], title: str) -> str:
    """What the reader sees: the rendered text, or the stored title when it cannot be."""
    if code:
        text = notice_render(code, params or {})
        if text is not None:
            return text
    return title
