"""``|minute`` writes what ``|date:"Y/m/d H:i"`` writes, in Japan time."""

import datetime

import pytest
from django.template import Context, Template

UTC = datetime.UTC


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 3, 31, 15, 5, tzinfo=UTC),  # 2026/04/01 00:05 in Japan
        datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime.datetime(2019, 4, 30, 14, 59, tzinfo=UTC),
    ],
)
def test_same_text_as_the_date_filter(moment):
    template = Template('{% load quick_dates %}{{ m|minute }}|{{ m|date:"Y/m/d H:i" }}')
    quick, django = template.render(Context({"m": moment})).split("|")
    assert quick == django


def test_japan_time_and_empty_values():
    template = Template("{% load quick_dates %}[{{ m|minute }}]")
    moment = datetime.datetime(2026, 3, 31, 15, 5, tzinfo=UTC)
    assert template.render(Context({"m": moment})) == "[2026/04/01 00:05]"
    assert template.render(Context({"m": None})) == "[]"
