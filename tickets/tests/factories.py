"""Small helpers to make cases in tests through the real service."""

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from tickets.models import LIST_STATUS_ORDER, Case, Category
from tickets.services import case_create


def make_case(created_by, category_code: str = "road-damage", **fields: Any) -> Case:
    category = Category.objects.get(code=category_code)
    values: dict[str, Any] = {
        "category": category,
        "title": "道路に穴があいている",
        "details": "",
    }
    values.update(fields)
    return case_create(created_by=created_by, **values)


def make_sort_archive(created_by) -> list[Case]:
    """Cases whose titles combine a few characters (陥没道路 × の穴ぼこ, and 鰻丼), with
    receipt times shared by three cases each (the id breaks the tie) and every status in
    turn: each sort and each search of the list has ties to break and pages to cross."""
    titles = ["".join(pair) for pair in itertools.product("陥没道路", "の穴ぼこ")]
    titles += ["鰻丼の店", "道路の陥没", "道路の陥没", "穴"]
    start = datetime.datetime(2026, 5, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    cases = []
    for number, title in enumerate(titles):
        received = start + datetime.timedelta(hours=number // 3)
        cases.append(make_case(created_by, title=title, received_at=received))
    statuses = itertools.cycle(LIST_STATUS_ORDER)
    for case in cases:
        Case.objects.filter(pk=case.pk).update(status=next(statuses))
    return cases
