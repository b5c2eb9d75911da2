"""The call journal (kobepost.cti): calls per dial and per hour of the day.

応答率: answered / (answered + missed + abandoned). 平均処理時間: from answer to hang-up,
the part of the work the phone system sees. 一次完結率: the answered calls that were
answered on the spot (an FAQ answer, or a call logged as answered without one) and
became no case.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils.translation import gettext as _

from kobepost.cti.models import Call
from kobepost.stats.filters import Row, StatsFilter
from tickets.routing import routing_table

CALL_KEYS = ("calls", "answered", "missed", "abandoned", "faq", "talk_n", "talk_seconds")


def _seconds(value: datetime.timedelta | float | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000  # SQLite hands back microseconds


def _call_row(label: str, key: str, values: dict) -> Row:
    answered, calls = values["answered"], values["calls"]
    values["answer_rate"] = round(100 * answered / calls, 1) if calls else None
    values["fcr"] = round(100 * values["faq"] / answered, 1) if answered else None
    values["aht"] = round(values["talk_seconds"] / values["talk_n"]) if values["talk_n"] else None
    return Row(label=label, key=key, values=values)


def call_figures(stats: StatsFilter) -> list[Row]:
    """Per dial, then 全体: calls, answered, missed, abandoned, answer rate (%), average
    handling time (seconds), first-contact resolution (%). One GROUP BY; the overall row
    adds the dials' counts and durations up, so it is exact too."""
    answered = Q(outcome=Call.Outcome.ANSWERED)
    talk = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
    rows = (
        stats.calls()
        .values("dial_id")
        .annotate(
            calls=Count("*"),
            answered=Count("started_at", filter=answered),
            missed=Count("started_at", filter=Q(outcome=Call.Outcome.MISSED)),
            abandoned=Count("started_at", filter=Q(outcome=Call.Outcome.ABANDONED)),
            faq=Count(
                "started_at", filter=answered & Q(simple_call__isnull=False, case__isnull=True)
            ),
            talk_n=Count("ended_at", filter=answered),
            talk_sum=Sum(talk, filter=answered & Q(ended_at__isnull=False)),
        )
        .values_list(
            "dial_id", "calls", "answered", "missed", "abandoned", "faq", "talk_n", "talk_sum"
        )
    )
    names = dict(routing_table().dials)
    total = dict.fromkeys(CALL_KEYS, 0.0)
    by_dial = []
    for dial_id, *numbers in rows:
        values = dict(zip(CALL_KEYS, [*numbers[:-1], _seconds(numbers[-1])], strict=True))
        for name in CALL_KEYS:
            total[name] += values[name]
        label = names.get(dial_id, _("ダイヤル不明")) if dial_id else _("ダイヤル不明")
        by_dial.append(_call_row(label, str(dial_id or ""), values))
    by_dial.sort(key=lambda row: (row.key == "", row.label))
    total = {name: int(value) if name != "talk_seconds" else value for name, value in total.items()}
    return [*by_dial, _call_row(_("全体"), "all", total)]


def calls_by_hour(stats: StatsFilter) -> tuple[list[tuple[str, str]], list[Row]]:
    """Calls per hour of the day (Japan time) and dial: the dials as (key, name) columns,
    then one row per hour from the first to the last hour with a call."""
    counts = (
        stats.calls()
        .annotate(hour=ExtractHour("started_at"))
        .values("hour", "dial_id")
        .annotate(n=Count("*"))
        .values_list("hour", "dial_id", "n")
    )
    table: dict[int, dict[str, int]] = defaultdict(dict)
    used: set[str] = set()
    for hour, dial_id, number in counts:
        key = str(dial_id or "")
        table[hour][key] = table[hour].get(key, 0) + number
        used.add(key)
    columns = [(str(pk), name) for pk, name in routing_table().dials if str(pk) in used]
    if "" in used:
        columns.append(("", _("ダイヤル不明")))
    if not table:
        return columns, []
    rows = []
    for hour in range(min(table), max(table) + 1):
        values: dict[str, float | int | None] = {
            key: table[hour].get(key, 0) for key, _n in columns
        }
        values["total"] = sum(table[hour].values())
        rows.append(Row(label=f"{hour}:00–{hour}:59", key=str(hour), values=values))
    return columns, rows
