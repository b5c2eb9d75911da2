"""One overdue rule: the dashboard counts what the department screens and the reminder list.

Each case carries its own reply due date (its category's reply days); the dashboard used to
count a fixed five business days from receipt and disagreed with the department screens as
soon as one category had another number of days.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from departments.services import overdue_cases, overdue_remind
from kobepost.stats.filters import StatsFilter
from kobepost.stats.overdue import overdue_by_department, overdue_list
from tickets.models import Case, Category
from tickets.tests.factories import make_case

JST = ZoneInfo("Asia/Tokyo")
# Wed 2026-06-10: five business days back is Wed 6/3, ten is Wed 5/27.
TODAY = datetime.date(2026, 6, 10)
EVERYTHING = StatsFilter(date_from=TODAY, date_to=TODAY)


def received(day: datetime.date, user, category: str) -> Case:
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 10, tzinfo=JST)):
        return make_case(user, category, received_at=datetime.datetime.now(JST))


@pytest.fixture
def ten_day_roads(operator):
    """Road damage (東部) at 10 reply days, park equipment (西部) at the usual 5."""
    Category.objects.filter(code="road-damage").update(reply_days=10)
    Category.objects.filter(code="park-equipment").update(reply_days=5)
    days = [datetime.date(2026, 5, d) for d in (20, 25, 26, 27, 28)] + [
        datetime.date(2026, 6, d) for d in (1, 2, 3, 4)
    ]
    cases = {}
    for day in days:
        cases[("road", day)] = received(day, operator, "road-damage")
        cases[("park", day)] = received(day, operator, "park-equipment")
    return cases


def test_dashboard_counts_the_overdue_cases_of_the_department_screens(ten_day_roads, kobe):
    # Hand count. Roads (10 days): received 5/20 → due 6/3, 5/25 → 6/8, 5/26 → 6/9 are
    # overdue on 6/10; 5/27 → 6/10 is due today, 5/28 → 6/11 tomorrow. Parks (5 days):
    # 5/20 … 6/2 are overdue (6/2 → due 6/9), 6/3 is due today, 6/4 tomorrow.
    dashboard = {row.label: row.values for row in overdue_by_department(EVERYTHING, TODAY)}
    tobu, seibu = kobe["kensetsu-tobu"].name, kobe["kensetsu-seibu"].name
    assert dashboard[tobu] == {"overdue": 3, "due_today": 1, "due_tomorrow": 1}
    assert dashboard[seibu] == {"overdue": 7, "due_today": 1, "due_tomorrow": 1}
    with time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=JST)):
        by_department: dict[str, int] = {}
        for case in overdue_cases():
            by_department[case.department.name] = by_department.get(case.department.name, 0) + 1
        department_screens = by_department
    assert {name: v["overdue"] for name, v in dashboard.items()} == department_screens
    listed = overdue_list(EVERYTHING, TODAY)
    assert len(listed) == 10
    # Most overdue first, as on the department overdue page.
    assert [c.due for c in listed] == sorted(c.due for c in listed)


def test_dashboard_page_and_department_page_show_the_same_cases(
    ten_day_roads, login_client, supervisor, staff_tobu
):
    with time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=JST)):
        dashboard = login_client(supervisor).get(reverse("stats:dashboard"))
        overdue = login_client(supervisor).get(reverse("departments:overdue"))
        tobu_inbox = login_client(staff_tobu).get(
            reverse("departments:home"), {"filter": "overdue"}
        )
    page, overdue_page = dashboard.content.decode(), overdue.content.decode()
    inbox = tobu_inbox.content.decode()
    # The counts a supervisor reads: the dashboard's per-department overdue column adds up
    # to the department overdue page's total (3 roads at 10 days + 7 parks at 5), and the
    # 東部 row is what 東部's own inbox counts under 期限超過.
    per_department = {
        label: overdue for label, overdue, _t, _n in dashboard.context["overdue_departments"]
    }
    assert sum(per_department.values()) == overdue.context["page"].paginator.count == 10
    assert (
        per_department[staff_tobu.department.name]
        == tobu_inbox.context["page"].paginator.count
        == 3
    )
    road_overdue = [
        ten_day_roads[("road", datetime.date(2026, 5, d))].reference for d in (20, 25, 26)
    ]
    road_not_yet = [ten_day_roads[("road", datetime.date(2026, 5, d))].reference for d in (27, 28)]
    for reference in road_overdue:
        assert reference in page and reference in overdue_page and reference in inbox
    for reference in road_not_yet:
        assert reference not in page and reference not in overdue_page and reference not in inbox


def test_daily_mail_lists_cases_due_today_and_tomorrow(
    ten_day_roads, kobe, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_remind(today=TODAY) == 2
    tobu = next(m for m in mail.outbox if m.to == kobe["kensetsu-tobu"].email_list)
    assert "対応期限を過ぎた案件が 3 件" in tobu.subject
    today_ref = ten_day_roads[("road", datetime.date(2026, 5, 27))].reference
    tomorrow_ref = ten_day_roads[("road", datetime.date(2026, 5, 28))].reference
    body = tobu.body
    assert "本日（2026年6月10日（水））が回答期限の案件: 1 件" in body
    assert "翌開庁日（2026年6月11日（木））が回答期限の案件: 1 件" in body
    assert body.index(today_ref) < body.index(tomorrow_ref)
    later = ten_day_roads[("road", datetime.date(2026, 6, 1))].reference
    assert later not in body


def test_friday_looks_ahead_to_monday(operator):
    # Fri 2026-06-12: the next business day is Mon 6/15, no case is due on the weekend.
    Category.objects.filter(code="road-damage").update(reply_days=1)
    case = received(datetime.date(2026, 6, 12), operator, "road-damage")
    assert case.reply_due_date == datetime.date(2026, 6, 15)
    rows = overdue_by_department(EVERYTHING, datetime.date(2026, 6, 12))
    assert [row.values for row in rows] == [{"overdue": 0, "due_today": 0, "due_tomorrow": 1}]


def test_only_departments_with_nothing_due_get_no_mail(
    operator, django_capture_on_commit_callbacks
):
    Category.objects.filter(code="road-damage").update(reply_days=10)
    received(datetime.date(2026, 6, 8), operator, "road-damage")  # due 6/22
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_remind(today=TODAY) == 0
    assert mail.outbox == []
