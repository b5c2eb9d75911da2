"""Small helpers to make cases in tests through the real service."""

from typing import Any

from tickets.models import Case, Category
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
