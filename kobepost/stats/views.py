"""Statistics pages (統計) for supervisors, admins and department staff.

Operators get 403: the figures are for managing the service and reporting to the city,
not for taking calls. Department staff always see their own department's figures only;
the department filter is forced on the server whatever the query string says.
"""

import datetime
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any, cast

from django import forms
from django.core.cache import cache
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from departments.models import Department
from kobepost.accounts.decorators import role_required
from kobepost.accounts.http import AuthenticatedHttpRequest
from kobepost.accounts.models import User
from kobepost.audit.models import AuditAction
from kobepost.audit.services import audit_record
from kobepost.lib.jp_calendar import next_business_day
from kobepost.lib.spreadsheets import (
    CP932,
    Bold,
    Row,
    Sheet,
    cp932_replacements,
    csv_response,
    requested_encoding,
    xlsx_response,
)
from kobepost.stats import figures as stats
from kobepost.stats.charts import bar_chart, line_chart, ward_map
from tickets.models import Dial
from tickets.routing import routing_table

log = logging.getLogger(__name__)

STATS_READERS = (User.Role.SUPERVISOR, User.Role.ADMIN, User.Role.DEPARTMENT_STAFF)
MAX_PERIOD_DAYS = 366 * 11
MAX_DAILY_DAYS = 366
EXPORT_RECORD_TYPE = "stats.monthly_report"

PRESETS = [
    ("this_month", gettext_lazy("今月")),
    ("last_month", gettext_lazy("先月")),
    ("this_fy", gettext_lazy("今年度")),
    ("last_fy", gettext_lazy("前年度")),
    ("custom", gettext_lazy("期間を指定")),
]


def preset_period(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_of_month = today.replace(day=1)
    if preset == "last_month":
        end = first_of_month - datetime.timedelta(days=1)
        return end.replace(day=1), end
    if preset == "this_fy":
        return stats.fiscal_year_bounds(stats.fiscal_year_of_date(today))
    if preset == "last_fy":
        return stats.fiscal_year_bounds(stats.fiscal_year_of_date(today) - 1)
    next_month = (first_of_month + datetime.timedelta(days=32)).replace(day=1)
    return first_of_month, next_month - datetime.timedelta(days=1)


class StatsFilterForm(forms.Form):
    preset = forms.ChoiceField(label=gettext_lazy("期間"), choices=PRESETS, required=False)
    date_from = forms.DateField(label=gettext_lazy("開始日"), required=False)
    date_to = forms.DateField(label=gettext_lazy("終了日"), required=False)
    dial = forms.ModelChoiceField(
        label=gettext_lazy("ダイヤル"),
        queryset=Dial.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=gettext_lazy("すべて"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("所管課"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("すべて"),
    )
    granularity = forms.ChoiceField(
        label=gettext_lazy("集計単位"),
        choices=[
            ("", gettext_lazy("自動")),
            ("day", gettext_lazy("日")),
            ("week", gettext_lazy("週")),
            ("month", gettext_lazy("月")),
        ],
        required=False,
    )

    def __init__(self, *args, user: User, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.today = today
        # The cached routing table: the selects cost no query (they were two, each through a
        # server-side cursor).
        routing = routing_table()
        cast(forms.ChoiceField, self.fields["dial"]).choices = routing.dial_choices(
            cast(forms.ModelChoiceField, self.fields["dial"]).empty_label
        )
        if user.is_department_staff:
            del self.fields["department"]  # forced to the user's own department
        else:
            cast(forms.ChoiceField, self.fields["department"]).choices = routing.department_choices(
                cast(forms.ModelChoiceField, self.fields["department"]).empty_label,
                active_only=False,
            )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        preset = data.get("preset") or ""
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if preset == "custom" or (not preset and (date_from or date_to)):
            data["preset"] = "custom"
            if not date_from:
                self.add_error("date_from", _("開始日を入力してください。"))
            if not date_to:
                self.add_error("date_to", _("終了日を入力してください。"))
            if date_from and date_to:
                if date_from > date_to:
                    self.add_error("date_to", _("終了日は開始日以降の日付にしてください。"))
                elif (date_to - date_from).days > MAX_PERIOD_DAYS:
                    self.add_error("date_to", _("期間は11年以内にしてください。"))
        else:
            data["preset"] = preset or "this_month"
            data["date_from"], data["date_to"] = preset_period(data["preset"], self.today)
        if (
            not self.errors
            and data.get("granularity") == "day"
            and (data["date_to"] - data["date_from"]).days >= MAX_DAILY_DAYS
        ):
            self.add_error("granularity", _("日単位の集計は1年以内の期間で選んでください。"))
        return data


def _scope(user: User, form: StatsFilterForm) -> tuple[stats.StatsFilter, str]:
    """The filter the figures use, department forced for department staff."""
    if form.is_valid():
        data = form.cleaned_data
    else:
        first, last = preset_period("this_month", form.today)
        data = {"date_from": first, "date_to": last, "dial": None, "department": None}
    department_id = data["department"].pk if data.get("department") else None
    if user.is_department_staff:
        department_id = user.department_id
    granularity = data.get("granularity") or stats.auto_granularity(
        data["date_from"], data["date_to"]
    )
    scope = stats.StatsFilter(
        date_from=data["date_from"],
        date_to=data["date_to"],
        dial_id=data["dial"].pk if data.get("dial") else None,
        department_id=department_id,
    )
    return scope, granularity


def _filter_form(request: AuthenticatedHttpRequest) -> StatsFilterForm:
    today = timezone.localdate()
    if request.GET:
        return StatsFilterForm(request.GET, user=request.user, today=today)
    return StatsFilterForm({"preset": "this_month"}, user=request.user, today=today)


# --- Display strings -----------------------------------------------------------------
# The dashboard prints ~1,800 figures. Letting the template localize each number (and
# pick its column with an if/elif chain per row) cost more than all its queries, so the
# tables reach the template as the strings it printed: without USE_THOUSAND_SEPARATOR,
# Django localizes an int or a one-decimal float exactly as str() does (test_stats_views
# compares the two).


def number_text(value: int | float | None, empty: str = "—") -> str:
    return empty if value is None else str(value)


def volume_cells(rows: list[stats.Row]) -> list[tuple[str, str, str, str]]:
    """Label, FAQ calls, cases, posts."""
    return [
        (row.label, str(row.values["faq"]), str(row.values["cases"]), str(row.values["posts"]))
        for row in rows
    ]


def count_cells(rows: list[stats.Row], key: str) -> list[tuple[str, str]]:
    return [(row.label, str(row.values[key])) for row in rows]


def overdue_cells(cases: list[stats.OverdueCase]) -> list[tuple[str, ...]]:
    """Reference, received (Japan time), due date, department, category, title, status;
    dates in the reader's language (2026年4月7日 / April 7, 2026)."""
    cells: list[tuple[str, ...]] = []
    for case in cases:
        received = timezone.localtime(case.received_at)
        cells.append(
            (
                case.reference,
                f"{date_format(received, 'DATE_FORMAT')} {received:%H:%M}",
                date_format(case.due, "DATE_FORMAT"),
                case.department,
                case.category,
                case.title,
                case.status,
            )
        )
    return cells


def due_cells(rows: list[stats.Row]) -> list[tuple[str, int, int, int]]:
    """Department, overdue, due today, due on the next business day."""
    return [
        (row.label, row.values["overdue"], row.values["due_today"], row.values["due_tomorrow"])
        for row in rows
    ]


def response_cells(rows: list[stats.Row]) -> list[tuple[str, list[str]]]:
    """Each row's numbers in the table's column order (count, median, p90 — or average)."""
    wanted = ("median", "p90") if stats.percentiles_supported() else ("avg",)
    return [
        (
            row.label,
            [
                number_text(value)
                for key in stats.RESPONSE_MEASURES
                for value in (
                    row.values[f"{key}_n"],
                    *(row.values[f"{key}_{stat}"] for stat in wanted),
                )
            ],
        )
        for row in rows
    ]


def duration_text(seconds: float | int | None) -> str:
    """An average handling time in minutes and seconds: 185 → 3:05."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def call_cells(rows: list[stats.Row]) -> list[tuple[str, list[str]]]:
    """Calls, answered, missed, abandoned, answer rate, average handling time, FCR."""
    return [
        (
            row.label,
            [
                *(str(row.values[key]) for key in ("calls", "answered", "missed", "abandoned")),
                percent_text(row.values["answer_rate"]),
                duration_text(row.values["aht"]),
                percent_text(row.values["fcr"]),
            ],
        )
        for row in rows
    ]


def hour_cells(table: tuple[list[tuple[str, str]], list[stats.Row]]) -> dict:
    columns, rows = table
    return {
        "columns": [name for _key, name in columns],
        "rows": [
            (row.label, [str(row.values[key]) for key, _name in columns], str(row.values["total"]))
            for row in rows
        ],
    }


VOLUME_SERIES = [
    ("faq", gettext_lazy("FAQ で回答")),
    ("cases", gettext_lazy("案件")),
    ("posts", gettext_lazy("KOBE ぽすと投稿")),
]


@require_GET
@role_required(*STATS_READERS)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    scope, granularity = _scope(request.user, form)
    series = [(key, str(label)) for key, label in VOLUME_SERIES]
    # Searches carry no department: they are shown to the call center's side only.
    with_searches = not request.user.is_department_staff
    figures = stats.period_figures(scope, granularity, with_searches=with_searches)
    volume_rows = figures["volume"]
    department_rows = figures["department"]
    fiscal_year_rows = stats.volume_by_fiscal_year(scope)
    department_name = next(
        (row.name for row in routing_table().departments if row.pk == scope.department_id), None
    )
    period_cached = scope.date_to < timezone.localdate()
    context = {
        "form": form,
        "scope": scope,
        "granularity": granularity,
        "department_name": department_name,
        "forced_department": request.user.is_department_staff,
        # The values below that are callables are only built when figure_sections() has
        # to render the period's tables and charts again.
        # Summed from the series rather than counted again (three queries fewer).
        "totals": stats.totals_of(volume_rows),
        "series": series,
        "volume_cells": partial(volume_cells, volume_rows),
        "volume_chart": partial(line_chart, volume_rows, series),
        "fiscal_year_rows": fiscal_year_rows,
        "fiscal_year_cells": volume_cells(fiscal_year_rows),
        "dial_cells": partial(volume_cells, figures["dial"]),
        "dial_chart": partial(bar_chart, figures["dial"], series),
        "case_channel_cells": partial(count_cells, figures["case_channel"], "cases"),
        "post_channel_cells": partial(count_cells, figures["post_channel"], "posts"),
        "category_cells": partial(count_cells, figures["category"], "cases"),
        "department_cells": partial(count_cells, department_rows, "cases"),
        "department_chart": partial(bar_chart, department_rows, [("cases", _("案件"))]),
        "ward_cells": partial(count_cells, figures["ward"], "cases"),
        "ward_map": partial(ward_map, figures["ward"]),
        "percentiles": stats.percentiles_supported(),
        "measures": [(key, str(label)) for key, (label, *_r) in stats.RESPONSE_MEASURES.items()],
        "response_overall": partial(response_cells, figures["response_overall"]),
        "response_departments": partial(response_cells, figures["response_department"]),
        "response_categories": partial(response_cells, figures["response_category"]),
        "overdue_departments": due_cells(stats.overdue_by_department(scope)),
        "next_business_day": next_business_day(timezone.localdate()),
        "overdue_list": overdue_cells(stats.overdue_list(scope)),
        "overdue_limit": stats.OVERDUE_LIST_LIMIT,
        "top_faq": partial(count_cells, figures["top_faq"], "calls"),
        "unanswered": (
            partial(count_cells, figures["unanswered"], "searches") if with_searches else None
        ),
        "with_calls": with_searches,
        "call_cells": partial(call_cells, figures["calls"]),
        "hour_cells": partial(hour_cells, figures["calls_by_hour"]),
        "fiscal_year": stats.fiscal_year_of_date(scope.date_to),
        "fiscal_year_label": stats.fiscal_year_label(stats.fiscal_year_of_date(scope.date_to)),
        "cache_minutes": max(1, stats.archive_cache_seconds() // 60),
        "period_cached": period_cached,
        "live_minutes": max(1, stats.live_cache_seconds() // 60),
    }
    context["sections"] = figure_sections(
        request,
        context,
        version=figures["version"],
        seconds=stats.archive_cache_seconds() if period_cached else stats.live_cache_seconds(),
    )
    return render(request, "stats/dashboard.html", context)


DASHBOARD_SECTIONS = ("charts", "response", "faq", "calls")


def figure_sections(
    request: AuthenticatedHttpRequest, context: dict, *, version: str, seconds: int
) -> dict[str, SafeString]:
    """The period's tables and charts as HTML, rendered once per computation of the figures.

    They are most of the page (about 60 KB, 1,800 values) and change only when the figures
    do, so they are cached under the figures' version for as long as the figures are: never
    older than the figures the page says it shows. A cache that is down only costs the time
    of rendering, as for the figures themselves.
    """
    keys = {name: f"stats:dashboard-html:v1:{name}:{version}" for name in DASHBOARD_SECTIONS}
    try:
        found = cache.get_many(list(keys.values())) if seconds > 0 else {}
    except Exception:
        log.warning("stats cache unavailable", exc_info=True)
        found = {}
    sections, rendered = {}, {}
    for name, key in keys.items():
        html = found.get(key)
        if html is None:
            html = rendered[key] = render_to_string(
                f"stats/dashboard.html#{name}", context, request
            )
        # Our own template's output, escaped when it was rendered (as {% cache %} does).
        sections[name] = mark_safe(html)  # noqa: S308  # nosec B308 B703 - rendered by us
    if rendered and seconds > 0:
        try:
            cache.set_many(rendered, seconds)
        except Exception:
            log.warning("stats cache unavailable", exc_info=True)
    return sections


# --- Monthly report ---------------------------------------------------------------------


FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR = 2000, 2100


class MonthlyReportForm(forms.Form):
    fy = forms.CharField(
        label=gettext_lazy("年度"),
        max_length=20,
        help_text=gettext_lazy("例: 令和8、R8、2026"),
    )
    dial = forms.ModelChoiceField(
        label=gettext_lazy("ダイヤル"),
        queryset=Dial.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=gettext_lazy("すべて"),
    )

    def clean_fy(self) -> int:
        fiscal_year = stats.parse_fiscal_year(self.cleaned_data["fy"])
        if fiscal_year is None:
            raise forms.ValidationError(
                _("年度は「令和8」「R8」「2026」のように入力してください。"), code="invalid"
            )
        if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
            raise forms.ValidationError(
                _("%(first)d〜%(last)d年度の間で入力してください。")
                % {"first": FIRST_FISCAL_YEAR, "last": LAST_FISCAL_YEAR},
                code="out_of_range",
            )
        return fiscal_year


def _monthly(request: AuthenticatedHttpRequest) -> tuple[MonthlyReportForm, stats.MonthlyReport]:
    current = stats.fiscal_year_of_date(timezone.localdate())
    form = MonthlyReportForm(request.GET or {"fy": current})
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {"fy": current, "dial": None}
    scope = stats.StatsFilter(
        date_from=timezone.localdate(),
        date_to=timezone.localdate(),
        dial_id=data["dial"].pk if data.get("dial") else None,
        department_id=request.user.department_id if request.user.is_department_staff else None,
    )
    return form, stats.monthly_report(scope, data["fy"])


@require_GET
@role_required(*STATS_READERS)
def monthly(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, report = _monthly(request)
    sections = report_sections(report)
    return render(
        request,
        "stats/monthly.html",
        {
            "form": form,
            "report": report,
            "sections": [_section_text(section) for section in sections],
            "cp932_replaced": [
                f"{char}→{instead}"
                for char, instead in cp932_replacements(
                    _report_texts(
                        [s["header"] for s in sections] + [r for s in sections for r in s["rows"]]
                    )
                ).items()
            ],
            "query": request.GET.urlencode(),
            "printed_on": timezone.localdate(),
            "report_heading": stats.fiscal_year_heading(report.fiscal_year),
            "percentiles": stats.percentiles_supported(),
            # The staleness bound of the cached months, said on the page.
            "cache_minutes": max(1, stats.archive_cache_seconds() // 60),
            "live_minutes": max(1, stats.live_cache_seconds() // 60),
        },
    )


def _section_text(section: dict) -> dict:
    """A report table for the page: the row head apart and the figures as printed."""

    def split(line: list) -> tuple[str, list[str]]:
        return line[0], [cell if isinstance(cell, str) else str(cell) for cell in line[1:]]

    return {
        **section,
        "rows": [split(line) for line in section["rows"]],
        "totals": split(section["totals"]) if section["totals"] else None,
    }


def _number(value) -> int | float | str:
    return "" if value is None else value


def _previous_change(current: int, previous: int) -> float | str:
    """This year against the previous one, in percent (前年比); blank without a base."""
    ratio = stats.share(current, previous)
    return "" if ratio is None else ratio


def _month_table(report: stats.MonthlyReport, table: str, sheet: str, note: str) -> dict:
    """One row per item of ``table``, one column per month, the year's total and the
    previous fiscal year's total of the same item (前年度)."""
    month_keys = report.month_keys
    rows = []
    for row in getattr(report, table):
        total = row.total(month_keys)
        previous = report.previous_total(table, row.key)
        rows.append(
            [
                row.label,
                *[row.values.get(k, 0) for k in month_keys],
                total,
                previous,
                _previous_change(total, previous),
            ]
        )
    totals: list[Any] = [_("合計"), *_column_totals([line[:-1] for line in rows], 1)]
    if len(totals) > 2:
        totals.append(_previous_change(totals[-2], totals[-1]))
    return {
        "sheet": sheet,
        "note": note,
        "months": True,
        "header": ["", *report.month_labels, _("合計"), _("前年度"), _("前年比（%）")],
        "rows": rows,
        "totals": totals if rows else None,
    }


def report_sections(report: stats.MonthlyReport) -> list[dict]:
    """The report as plain tables (title, header, rows, totals): one sheet each."""
    volume_keys = [key for key, _label in VOLUME_SERIES]
    previous_volumes = report.previous.volumes if report.previous else []
    volume_header = [
        _("月"),
        *[str(label) for _k, label in VOLUME_SERIES],
        _("合計"),
        _("前年同月"),
        _("前年同月比（%）"),
    ]
    volume_rows = []
    for index, row in enumerate(report.volumes):
        total = row.total(volume_keys)
        previous = (
            previous_volumes[index].total(volume_keys) if index < len(previous_volumes) else 0
        )
        volume_rows.append(
            [
                row.label,
                *[row.values[k] for k in volume_keys],
                total,
                previous,
                _previous_change(total, previous),
            ]
        )
    volume_totals: list[Any] = [_("合計"), *_column_totals([line[:-1] for line in volume_rows], 1)]
    volume_totals.append(_previous_change(volume_totals[-2], volume_totals[-1]))
    sections = [
        {
            "sheet": _("月別件数"),
            "note": _("前年同月・前年度は、前の年度の同じ月・同じ範囲の件数です。"),
            "header": volume_header,
            "rows": volume_rows,
            "totals": volume_totals,
        },
        _kpi_section(report),
        _month_table(report, "by_kind", _("分類別"), _("案件（通報・問い合わせ）")),
        _month_table(report, "by_channel", _("受付方法別"), _("案件")),
        _month_table(
            report,
            "by_dial",
            _("ダイヤル別"),
            _("案件と FAQ で回答した電話の合計（FAQ での回答を含みます）"),
        ),
        _month_table(report, "by_category", _("種別ごとの推移"), _("案件")),
        _month_table(report, "by_department", _("所管課別"), _("案件")),
        _month_table(report, "by_ward", _("区別"), _("案件")),
        _posts_section(report),
        _response_section(report),
    ]
    return sections


def _kpi_section(report: stats.MonthlyReport) -> dict:
    """一次完結率 (calls answered with the FAQ among all calls taken) and 期限内回答率 (cases
    answered by their due date among those answered or past it), per month and year."""
    header = [
        _("月"),
        _("FAQ で回答"),
        _("受付件数（FAQ＋案件）"),
        _("一次完結率（%）"),
        _("期限内に回答"),
        _("回答済または期限超過"),
        _("期限内回答率（%）"),
    ]

    def line(label: str, faq: int, contacts: int, on_time: int, judged: int) -> list:
        return [
            label,
            faq,
            contacts,
            _number(stats.share(faq, contacts)),
            on_time,
            judged,
            _number(stats.share(on_time, judged)),
        ]

    def summed(rows: list[stats.Row]) -> tuple[int, int, int, int]:
        return tuple(  # type: ignore[return-value]
            sum(int(row.values[key]) for row in rows)
            for key in ("faq", "contacts", "on_time", "judged")
        )

    rows = [
        line(row.label, *[int(row.values[k]) for k in ("faq", "contacts", "on_time", "judged")])
        for row in report.kpis
    ]
    totals = line(_("年度計"), *summed(report.kpis))
    if report.previous:
        rows.append(line(_("前年度"), *summed(report.previous.kpis)))
    return {
        "sheet": _("指標"),
        "note": _(
            "一次完結率 = FAQ で回答した電話 ÷（FAQ で回答した電話＋案件）。"
            "期限内回答率 = 回答期限までに所管課が回答した案件 ÷ "
            "回答済または期限を過ぎた案件（受付月別）。"
        ),
        "header": header,
        "rows": rows,
        "totals": totals,
    }


def _posts_section(report: stats.MonthlyReport) -> dict:
    outcomes = list(stats.POST_OUTCOMES)
    rows = []
    for row in report.posts:
        total = sum(int(row.values[k]) for k in outcomes)
        previous = 0
        if report.previous:
            previous = next(
                (
                    sum(int(p.values[k]) for k in outcomes)
                    for p in report.previous.posts
                    if p.key == row.key
                ),
                0,
            )
        rows.append([row.label, *[row.values[k] for k in outcomes], total, previous])
    return {
        "sheet": _("KOBE ぽすと"),
        "note": _("投稿の分類別・結果別の件数（年度計）"),
        "header": [
            _("投稿の分類"),
            *[str(label) for label in stats.POST_OUTCOMES.values()],
            _("合計"),
            _("前年度"),
        ],
        "rows": rows,
        "totals": [_("合計"), *_column_totals(rows, 1)] if rows else None,
    }


def _response_section(report: stats.MonthlyReport) -> dict:
    measures = stats.RESPONSE_MEASURES
    header = [_("所管課")]
    for _key, (label, *_rest) in measures.items():
        header += [
            _("%(m)s 件数") % {"m": label},
            _("%(m)s 中央値（時間）") % {"m": label},
            _("%(m)s 90%%値（時間）") % {"m": label},
            _("%(m)s 平均（時間）") % {"m": label},
            _("%(m)s 中央値（開庁日）") % {"m": label},
            _("%(m)s 90%%値（開庁日）") % {"m": label},
            _("%(m)s 平均（開庁日）") % {"m": label},
        ]
    response_rows = []
    for row in report.response:
        line: list = [row.label]
        for key in measures:
            line += [
                row.values[f"{key}_n"],
                *[
                    _number(row.values.get(f"{key}_{part}"))
                    for part in ("median", "p90", "avg", "bd_median", "bd_p90", "bd_avg")
                ],
            ]
        response_rows.append(line)
    return {
        "sheet": _("対応時間"),
        "note": _(
            "受付からの経過時間と開庁日数（案件の経過記録から算出。開庁日は土日・祝日・年末年始を除き、受付日の翌開庁日を1日目と数えます）"
        ),
        "header": header,
        "rows": response_rows,
        "totals": None,
    }


def _column_totals(rows: list[list], skip: int) -> list[int]:
    if not rows:
        return []
    return [sum(int(line[i] or 0) for line in rows) for i in range(skip, len(rows[0]))]


def _report_filename(report: stats.MonthlyReport, extension: str) -> str:
    return f"monthly-report-FY{report.fiscal_year}.{extension}"


def _audit_export(
    request: AuthenticatedHttpRequest, report: stats.MonthlyReport, kind: str
) -> None:
    audit_record(
        request=request,
        action=AuditAction.RECORD_EXPORT,
        record_type=EXPORT_RECORD_TYPE,
        record_id=report.fiscal_year,
        detail=kind,
    )


def _report_sheets(report: stats.MonthlyReport) -> Iterator[Sheet]:
    for section in report_sections(report):
        rows: list[Row] = [
            Bold([f"{stats.fiscal_year_heading(report.fiscal_year)} {section['sheet']}"]),
            [section.get("note", "")],
            Bold(section["header"]),
            *section["rows"],
        ]
        if section["totals"]:
            rows.append(Bold(section["totals"]))
        # Title, note and header stay on screen and on every printed page.
        yield Sheet(
            section["sheet"],
            rows,
            first_column_width=28,
            freeze="B4",
            title_rows="1:3",
            landscape=True,
        )


def _report_csv_rows(report: stats.MonthlyReport) -> Iterator[Row]:
    for section in report_sections(report):
        yield [f"{report.label} {section['sheet']}"]
        if section.get("note"):
            yield [section["note"]]
        yield section["header"]
        yield from section["rows"]
        if section["totals"]:
            yield section["totals"]
        yield []


@require_GET
@role_required(*STATS_READERS)
def monthly_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _form, report = _monthly(request)
    _audit_export(request, report, "xlsx")
    return xlsx_response(_report_sheets(report), filename=_report_filename(report, "xlsx"))


def _report_texts(rows: list[Row]) -> Iterator[str]:
    return (cell for row in rows for cell in row if isinstance(cell, str))


def replacement_note(replaced: dict[str, str]) -> list[str]:
    """The line that tells a Shift_JIS reader which characters were written otherwise,
    by code point (the characters themselves cannot be in the file)."""
    return [
        _("Shift_JIS で表せない文字を置き換えました"),
        *[f"U+{ord(char):04X} → {instead}" for char, instead in replaced.items()],
    ]


@require_GET
@role_required(*STATS_READERS)
def monthly_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _form, report = _monthly(request)
    _audit_export(request, report, "csv")
    encoding = requested_encoding(request.GET)
    rows = list(_report_csv_rows(report))  # small, and translated while the language is on
    if encoding == CP932 and (replaced := cp932_replacements(_report_texts(rows))):
        rows.append(replacement_note(replaced))
    return csv_response(rows, encoding=encoding, filename=_report_filename(report, "csv"))
