"""The statistics' phone figures against a hand count of a small journal."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from faq.models import SimpleCall
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call
from kobepost.stats.calls import call_figures, calls_by_hour
from kobepost.stats.filters import StatsFilter
from tickets.models import Dial
from tickets.tests.factories import make_case

DAY = datetime.date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(hour, minute)))


@pytest.fixture
def journal(pbx, seated, kobe, operator):
    """roads: 5 calls at 9–10 o'clock; clean110: 3 calls at 10 and 14 o'clock; plus calls
    the figures must leave out (one still ringing, one outgoing, one on another day)."""
    roads, clean = Dial.objects.get(code="roads"), Dial.objects.get(code="clean110")
    number = iter(range(100))

    def call(dial, when, outcome, talk=120, **links):
        made = ring_call(
            pbx[0],
            f"s-{next(number)}",
            at=when,
            caller="078-331-8181",
            dial_id=dial.pk,
            extension="201",
            outcome=outcome,
            talk=talk,
            direction=links.pop("direction", "in"),
        )
        if links.get("faq"):
            links["simple_call"] = SimpleCall.objects.create(dial=dial, operator=operator)
        if links.get("case"):
            links["case"] = make_case(operator)
        Call.objects.filter(pk=made.pk).update(
            **{key: value for key, value in links.items() if key in ("simple_call", "case")}
        )
        return made

    call(roads, at(9, 5), "answered", talk=60, faq=True)  # answered on the spot
    call(roads, at(9, 20), "answered", talk=240, faq=True, case=True)  # FAQ, then a case
    call(roads, at(9, 40), "answered", talk=300, case=True)
    call(roads, at(10, 10), "missed")
    call(roads, at(10, 30), "abandoned")
    call(clean, at(10, 45), "answered", talk=90, faq=True)
    call(clean, at(14, 0), "answered", talk=150, faq=True)
    call(clean, at(14, 30), "abandoned")
    call(clean, at(15, 0), "ringing")  # nothing yet
    call(clean, at(15, 10), "answered", direction="out")  # our own call back
    call(roads, at(9, 0) - datetime.timedelta(days=1), "answered")  # the day before
    return roads, clean


def figures(**scope) -> dict[str, dict]:
    rows = call_figures(StatsFilter(date_from=DAY, date_to=DAY, **scope))
    return {row.key: row.values for row in rows}


def test_answer_rate_handling_time_and_first_contact_resolution_per_dial(journal):
    roads, clean = journal
    by_dial = figures()
    # roads: 3 of 5 answered; talk 60 + 240 + 300 = 600 s over 3; 1 of 3 on the spot.
    road = by_dial[str(roads.pk)]
    assert (road["calls"], road["answered"], road["missed"], road["abandoned"]) == (5, 3, 1, 1)
    assert (road["answer_rate"], road["aht"], road["fcr"]) == (60.0, 200, 33.3)
    # clean110: 2 of 3 answered; (90 + 150) / 2 = 120 s; both on the spot.
    assert (by_dial[str(clean.pk)]["answer_rate"], by_dial[str(clean.pk)]["aht"]) == (66.7, 120)
    assert by_dial[str(clean.pk)]["fcr"] == 100.0
    # Overall: 5 of 8 answered; 840 s over 5 = 168 s; 3 of 5 on the spot.
    overall = by_dial["all"]
    assert (overall["calls"], overall["answered"]) == (8, 5)
    assert (overall["answer_rate"], overall["aht"], overall["fcr"]) == (62.5, 168, 60.0)


def test_a_dial_scope_counts_that_dial_only(journal):
    roads, _clean = journal
    assert figures(dial_id=roads.pk)["all"]["calls"] == 5


def test_calls_per_hour_and_dial(journal):
    roads, clean = journal
    columns, rows = calls_by_hour(StatsFilter(date_from=DAY, date_to=DAY))
    # The dials in their own order (hygiene, clean110, roads); no call, no column.
    assert columns == [(str(clean.pk), clean.name), (str(roads.pk), roads.name)]
    table = {row.key: row.values for row in rows}
    assert list(table) == ["9", "10", "11", "12", "13", "14"]
    assert (table["9"][str(roads.pk)], table["9"]["total"]) == (3, 3)
    assert (table["10"][str(roads.pk)], table["10"][str(clean.pk)]) == (2, 1)
    assert table["12"]["total"] == 0 and table["14"][str(clean.pk)] == 2


def test_an_empty_period_has_no_rates(db):
    assert figures() == {
        "all": {
            "calls": 0,
            "answered": 0,
            "missed": 0,
            "abandoned": 0,
            "faq": 0,
            "talk_n": 0,
            "talk_seconds": 0.0,
            "answer_rate": None,
            "fcr": None,
            "aht": None,
        }
    }


def test_the_dashboard_shows_the_figures_to_supervisors_only(
    login_client, supervisor, staff_tobu, journal
):
    query = {"preset": "custom", "date_from": DAY.isoformat(), "date_to": DAY.isoformat()}
    page = login_client(supervisor).get(reverse("stats:dashboard"), query).content.decode()
    assert "電話の応答" in page and "62.5%" in page and "2:48" in page and "60.0%" in page
    page = login_client(staff_tobu).get(reverse("stats:dashboard"), query).content.decode()
    assert "電話の応答" not in page
