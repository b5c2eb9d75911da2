"""Counts of closed months, kept so that a long period is a sum of a few rows per month.

A month (Japan time) is counted once it is over, by kobepost.stats.rollup; StatsMonth
marks the months whose counts are complete. A month without a marker, the current month
and the partial months at the edges of a period are read from the cases and calls
themselves, so a missing or invalidated month costs time, never a wrong figure.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatsMonth(models.Model):
    """A closed month whose counts below are complete (deleted when one of its cases changes)."""

    month = models.DateField(_("月"), primary_key=True)
    built_at = models.DateTimeField(_("集計日時"))

    class Meta:
        verbose_name = _("集計済みの月")
        verbose_name_plural = _("集計済みの月")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class CaseMonthCount(models.Model):
    """Cases received in a month, per dial, department and one breakdown at a time.

    ``dimension`` is one of kobepost.stats.rollup.CASE_DIMENSIONS (category, channel, kind,
    ward, fiscal_year) and ``value`` the case's value of it as text: every case is in one
    row of each dimension, so the rows of one dimension add up to all the cases. Derived
    dimensions are kept the same way: rollup.DUE_DIMENSION (answered by the due date, after
    it, or not yet), every case in one row too, and rollup.BUSINESS_DAY_DIMENSIONS (business
    days a response time took), the cases that reached its end.
    """

    month = models.DateField(_("月"))
    dial_id = models.BigIntegerField(_("ダイヤル"))
    department_id = models.BigIntegerField(_("所管課"))
    dimension = models.CharField(_("内訳"), max_length=20)
    value = models.CharField(_("値"), max_length=40, blank=True)
    n = models.PositiveIntegerField(_("件数"))

    class Meta:
        verbose_name = _("月別の案件数")
        verbose_name_plural = _("月別の案件数")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dimension", "dial_id", "department_id", "value"],
                name="stats_case_month_unique",
            )
        ]
        indexes = [
            # A breakdown of a period (or of a department's) from the index alone.
            models.Index(
                fields=["dimension", "month"],
                include=["dial_id", "department_id", "value", "n"],
                name="stats_case_month_dim_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.value}: {self.n}"


class FaqMonthCount(models.Model):
    """FAQ calls (faq.SimpleCall) of a month per dial, with or without an FAQ entry."""

    month = models.DateField(_("月"))
    dial_id = models.BigIntegerField(_("ダイヤル"))
    n = models.PositiveIntegerField(_("件数"))

    class Meta:
        verbose_name = _("月別の FAQ 回答数")
        verbose_name_plural = _("月別の FAQ 回答数")
        constraints = [
            models.UniqueConstraint(fields=["month", "dial_id"], name="stats_faq_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} dial {self.dial_id}: {self.n}"


class FaqEntryCount(models.Model):
    """FAQ calls answered with an entry, per dial and entry, over a period (the concrete
    models below). The entry's department is read from the entry, as the live figures do,
    so moving an entry to another department changes no row."""

    dial_id = models.BigIntegerField(_("ダイヤル"))
    faq_entry = models.ForeignKey(
        "faq.FaqEntry",
        verbose_name=_("FAQ"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # each model's unique constraint (faq_entry first) serves it
    )
    n = models.PositiveIntegerField(_("件数"))

    class Meta:
        abstract = True


def _per_entry(period: str, short: str) -> tuple[list, list]:
    """The unique constraint and the period index of a FaqEntryCount model."""
    return (
        [
            models.UniqueConstraint(
                fields=["faq_entry", period, "dial_id"], name=f"stats_faq_entry_{short}_unique"
            )
        ],
        [
            models.Index(
                fields=[period],
                include=["dial_id", "faq_entry", "n"],
                name=f"stats_faq_entry_{short}_idx",
            )
        ],
    )


class FaqEntryMonthCount(FaqEntryCount):
    """FAQ calls of a month answered with an entry, per dial and entry."""

    month = models.DateField(_("月"))

    class Meta:
        verbose_name = _("月別・FAQ 別の回答数")
        verbose_name_plural = _("月別・FAQ 別の回答数")
        constraints, indexes = _per_entry("month", "month")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} entry {self.faq_entry_id}: {self.n}"


class FaqEntryYearCount(FaqEntryCount):
    """FaqEntryMonthCount added up over a fiscal year whose twelve months are all counted:
    ten years of "the FAQ entries used most" sum some ten of these rows per entry and dial
    instead of 120 (1,419,222 month rows on the 2,000,000-case archive). Rewritten with the
    months of its year (kobepost.stats.rollup), and read only while all twelve are."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"))

    class Meta:
        verbose_name = _("年度別・FAQ 別の回答数")
        verbose_name_plural = _("年度別・FAQ 別の回答数")
        constraints, indexes = _per_entry("fiscal_year", "year")

    def __str__(self) -> str:
        return f"FY{self.fiscal_year} entry {self.faq_entry_id}: {self.n}"


class ResponseBucket(models.Model):
    """Cases whose response time (one of kobepost.stats.response_times.RESPONSE_MEASURES)
    falls in one coarse bucket (kobepost.stats.rollup.RESPONSE_BUCKET_HOURS), per dial,
    department and category, with the sum of their times in microseconds, over a period
    (the concrete models below): a period's medians and 90th percentiles find their
    bucket from these rows and read only the ranks they need of that bucket's cases."""

    measure = models.CharField(_("所要時間"), max_length=10)
    dial_id = models.BigIntegerField(_("ダイヤル"))
    department_id = models.BigIntegerField(_("所管課"))
    category_id = models.BigIntegerField(_("種別"))
    bucket = models.PositiveSmallIntegerField(_("階級"))
    n = models.PositiveIntegerField(_("件数"))
    total_us = models.BigIntegerField(_("合計（マイクロ秒）"))

    class Meta:
        abstract = True


def _per_bucket(period: str, short: str) -> tuple[list, list]:
    """The unique constraint and the period index of a ResponseBucket model."""
    return (
        [
            models.UniqueConstraint(
                fields=[period, "measure", "dial_id", "department_id", "category_id", "bucket"],
                name=f"stats_response_{short}_unique",
            )
        ],
        [
            # A period's histogram (or a department's) from the index alone.
            models.Index(
                fields=["measure", period],
                include=["dial_id", "department_id", "category_id", "bucket", "n", "total_us"],
                name=f"stats_response_{short}_idx",
            ),
        ],
    )


class ResponseMonthBucket(ResponseBucket):
    """The response-time buckets of the cases received in a month."""

    month = models.DateField(_("月"))

    class Meta:
        verbose_name = _("月別の所要時間の階級")
        verbose_name_plural = _("月別の所要時間の階級")
        constraints, indexes = _per_bucket("month", "month")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} bucket {self.bucket}: {self.n}"


class ResponseYearBucket(ResponseBucket):
    """ResponseMonthBucket added up over a fiscal year whose twelve months are all counted
    (as FaqEntryYearCount): ten years of histograms are some ten rows per group and bucket
    instead of 120."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"))

    class Meta:
        verbose_name = _("年度別の所要時間の階級")
        verbose_name_plural = _("年度別の所要時間の階級")
        constraints, indexes = _per_bucket("fiscal_year", "year")

    def __str__(self) -> str:
        return f"FY{self.fiscal_year} {self.measure} bucket {self.bucket}: {self.n}"
