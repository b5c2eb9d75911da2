"""Cases past their reply due date, and those about to be (the pre-breach view).

One overdue rule for the whole tool: a case's own reply due date (its category's reply
days, stored on the case by tickets.services), through the queryset the department
screens and the daily reminder use (CaseQuerySet.overdue / due_soon).
"""

import datetime
from dataclasses import dataclass
from typing import cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kobepost.lib.jp_calendar import next_business_day
from kobepost.stats.filters import Row, StatsFilter
from tickets.models import Case
from tickets.routing import routing_table

OVERDUE_LIST_LIMIT = 50


def overdue_cases(stats: StatsFilter, today: datetime.date | None = None) -> QuerySet[Case]:
    """Cases still waiting for the department's reply past their due date, as of today.

    The period filter does not apply: an old overdue case is the most overdue of all.
    """
    return stats.cases(with_period=False).overdue(today)


def overdue_by_department(stats: StatsFilter, today: datetime.date | None = None) -> list[Row]:
    """Per department: overdue, due today and due on the next business day, in one query.

    Counted per department id from the index alone; the names come from the routing
    table (joining the departments to thousands of rows was most of this query's time).
    """
    today = today or timezone.localdate()
    tomorrow = next_business_day(today)
    names = {row.pk: row.name for row in routing_table().departments}
    counts = (
        stats.cases(with_period=False)
        .unanswered()
        .filter(reply_due_date__lte=tomorrow)
        .values_list("department_id")
        .annotate(
            overdue=Count("reply_due_date", filter=Q(reply_due_date__lt=today)),
            due_today=Count("reply_due_date", filter=Q(reply_due_date=today)),
            due_tomorrow=Count("reply_due_date", filter=Q(reply_due_date=tomorrow)),
        )
    )
    rows = [(names.get(pk, str(pk)), pk, values) for pk, *values in counts]
    rows.sort(key=lambda row: (-row[2][0], -row[2][1], -row[2][2], row[0]))
    return [
        Row(
            label=name,
            key=str(pk),
            values={"overdue": overdue, "due_today": due_today, "due_tomorrow": due_tomorrow},
        )
        for name, pk, (overdue, due_today, due_tomorrow) in rows
    ]


@dataclass(frozen=True)
class OverdueCase:
    pk: int
    reference: str
    received_at: datetime.datetime
    due: datetime.date
    department: str
    category: str
    title: str
    status: str  # translated label


def overdue_list(stats: StatsFilter, today: datetime.date | None = None) -> list[OverdueCase]:
    """The most overdue cases (the department screens' order), as plain rows: names and
    labels from the routing table and the choices, so 50 rows are not 150 model instances."""
    routing = routing_table()
    departments = {row.pk: row.name for row in routing.departments}
    categories = {row.pk: row.name for row in routing.categories}
    statuses = {value: str(label) for value, label in Case.Status.choices}
    rows = (
        overdue_cases(stats, today)
        .order_by("reply_due_date", "received_at", "id")
        .values_list(
            "pk",
            "reference",
            "received_at",
            "reply_due_date",
            "department_id",
            "category_id",
            "title",
            "status",
        )[:OVERDUE_LIST_LIMIT]
    )
    return [
        OverdueCase(
            pk=pk,
            reference=reference,
            received_at=received_at,
            due=cast(datetime.date, due),  # overdue: the due date is set and past
            department=departments.get(department_id, ""),
            category=categories.get(category_id, ""),
            title=title,
            status=statuses.get(status, status),
        )
        for pk, reference, received_at, due, department_id, category_id, title, status in rows
    ]
