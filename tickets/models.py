import datetime
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kobepost.lib.choices import QuickChoiceDisplay
from kobepost.lib.fields import TokenArrayField
from tickets.geo.places import Ward
from tickets.normalize import phone_digits, search_text, search_tokens
from tickets.routing_cache import RoutingModel

# The dial whose calls may carry health symptoms (食中毒 etc.): the form asks only there.
HEALTH_DIAL_CODE = "hygiene"


class Dial(RoutingModel, models.Model):
    """One of the call center's three phone lines (ダイヤル)."""

    code = models.SlugField(_("コード"), max_length=30, unique=True)
    name = models.CharField(_("ダイヤル名"), max_length=100)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    retention_class = models.ForeignKey(
        "privacy.RetentionClass",
        verbose_name=_("保存年限"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dials",
        help_text=_("分類に保存年限がないときに使います。未設定の案件は廃棄されません。"),
    )

    class Meta:
        verbose_name = _("ダイヤル")
        verbose_name_plural = _("ダイヤル")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(RoutingModel, models.Model):
    """A kind of case within a dial, and the department it is routed to."""

    dial = models.ForeignKey(
        Dial, verbose_name=_("ダイヤル"), on_delete=models.PROTECT, related_name="categories"
    )
    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("分類名"), max_length=100)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所管課"),
        on_delete=models.PROTECT,
        related_name="categories",
        help_text=_("この分類の案件を受け付ける課（振り分け表）。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)
    reply_days = models.PositiveSmallIntegerField(
        _("回答期限（営業日）"),
        default=5,
        help_text=_(
            "受付の翌営業日から数えて何営業日以内に所管課が回答するか。"
            "土日・祝日・年末年始は数えません。"
        ),
    )
    direct_answer_default = models.BooleanField(
        _("所管課直接回答（既定）"),
        default=False,
        help_text=_(
            "この分類の案件は所管課が市民へ直接回答する（コールセンターの折り返し不要）。"
            "案件ごとに変更できます。"
        ),
    )
    retention_class = models.ForeignKey(
        "privacy.RetentionClass",
        verbose_name=_("保存年限"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        help_text=_("未設定ならダイヤルの保存年限に従います。"),
    )

    class Meta:
        verbose_name = _("分類")
        verbose_name_plural = _("分類（振り分け表）")
        ordering = ["dial__sort_order", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dial", "name"], name="category_unique_name_per_dial")
        ]

    def __str__(self) -> str:
        return f"{self.dial.name} / {self.name}"


class FiscalYearCounter(models.Model):
    """Last reference number handed out in a fiscal year; locked row per allocation."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last_number = models.PositiveIntegerField(_("最終番号"), default=0)

    class Meta:
        verbose_name = _("受付番号の採番")
        verbose_name_plural = _("受付番号の採番")

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last_number}"

    @classmethod
    def allocate(cls, fiscal_year: int) -> str:
        """Next reference of the year, e.g. 2026-000123. Concurrent callers wait on the row."""
        with transaction.atomic():
            cls.objects.get_or_create(fiscal_year=fiscal_year)
            counter = cls.objects.select_for_update().get(fiscal_year=fiscal_year)
            counter.last_number += 1
            counter.save(update_fields=["last_number"])
        return f"{fiscal_year}-{counter.last_number:06d}"


class InvalidTransition(ValidationError):
    """A status change the case's lifecycle does not allow."""


# What the statistics group cases by or measure, carried by their period indexes.
STATS_COLUMNS = [
    "fiscal_year",
    "dial",
    "department",
    "category",
    "ward",
    "channel",
    "first_answered_at",
    "first_told_at",
    "first_closed_at",
]
# The response times of the statistics (kobepost.stats.response_times): key → (start, end)
# columns of the case; each has an index of end - start (Case.Meta).
STATS_RESPONSE_SPANS = {
    "reply": ("received_at", "first_answered_at"),
    "told": ("first_answered_at", "first_told_at"),
    "closed": ("received_at", "first_closed_at"),
}


# What a case search looks in (search_text, search_tokens); never the health symptoms.
SEARCHED_FIELDS = ("title", "details", "caller_name", "caller_kana")


class CaseQuerySet(models.QuerySet["Case"]):
    def for_list(self) -> "CaseQuerySet":
        # The sensitive health field is never loaded for lists and searches.
        return self.select_related("dial", "category", "department").defer(
            "health_symptoms", "details", "reply_text", "search_tokens", "search_text"
        )

    def open(self) -> "CaseQuerySet":
        return self.exclude(status=Case.Status.CLOSED)

    def unanswered(self) -> "CaseQuerySet":
        return self.filter(status__in=Case.UNANSWERED_STATUSES)

    def overdue(self, today: datetime.date | None = None) -> "CaseQuerySet":
        """Not yet answered by the department although the reply due date has passed."""
        today = today or timezone.localdate()
        return self.unanswered().filter(reply_due_date__lt=today)

    def due_soon(self, today: datetime.date | None = None) -> "CaseQuerySet":
        """Not yet answered and due today or on the next business day (the pre-breach view).

        The next business day, not the calendar's tomorrow: on a Friday the cases due on
        Monday are the ones about to breach, and no case is ever due on a Saturday.
        """
        from kobepost.lib.jp_calendar import next_business_day

        today = today or timezone.localdate()
        return self.unanswered().filter(
            reply_due_date__gte=today, reply_due_date__lte=next_business_day(today)
        )

    def awaiting_callback(self) -> "CaseQuerySet":
        return self.filter(status=Case.Status.ANSWERED, reply_needed=True, direct_answer=False)

    def callback_queue(self) -> "CaseQuerySet":
        """The call-back queue in the order operators work it (see ``callback_order``)."""
        return self.awaiting_callback().order_by(*callback_order())


def inbox_status_rank() -> models.Case:
    """The department inbox's order of statuses: 受付, then 所管課対応中, then the rest.

    One definition for the inbox query and the index that serves it: PostgreSQL uses an
    expression index only when the query repeats the expression exactly. Literal values
    because ``Case.Status`` does not exist yet where ``Case.Meta`` is evaluated.
    """
    return models.Case(
        models.When(status="received", then=models.Value(0)),
        models.When(status="in_progress", then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


# Case.STATUS_ORDER, spelled out: Case.Status does not exist yet where Case.Meta is evaluated
# (a test checks that the two agree).
LIST_STATUS_ORDER = ("received", "in_progress", "answered", "citizen_answered", "closed")


def list_status_rank() -> models.Case:
    """The case list's "状態" sort: the statuses in the order of the workflow.

    One definition for the list's ORDER BY and its two indexes (case_status_rank_idx and
    case_status_rank_desc_idx): without them the sort read and sorted the whole archive
    (826 ms on 500,000 cases), as PostgreSQL uses an expression index only for the very
    same expression.
    """
    return models.Case(
        *[
            models.When(status=value, then=models.Value(rank))
            for rank, value in enumerate(LIST_STATUS_ORDER)
        ],
        output_field=models.IntegerField(),
    )


def list_status_order(*, descending: bool) -> list:
    """ORDER BY of the "状態" sort: status, then the newest first (both directions)."""
    rank = list_status_rank()
    return [
        rank.desc() if descending else rank.asc(),
        models.F("received_at").desc(),
        models.F("id").desc(),
    ]


def inbox_order(*, in_index: bool = False) -> list:
    """Urgent first, then new and unanswered, the nearest due date, the oldest first.

    Cases without a due date come last. PostgreSQL sorts NULL last in ascending order
    anyway, so the index leaves ``NULLS LAST`` out: SQLite (``make run``) refuses it there.
    """
    due = models.F("reply_due_date").asc()
    return [
        models.F("urgent").desc(),
        inbox_status_rank(),
        due if in_index else models.F("reply_due_date").asc(nulls_last=True),
        models.F("received_at").asc(),
        models.F("id").asc(),
    ]


def callback_order() -> list:
    """Urgent first, then the citizen who has waited longest since the department's reply.

    One definition for the queue and its index (case_awaiting_callback_idx).
    """
    return [
        models.F("urgent").desc(),
        models.F("replied_at").asc(),
        models.F("received_at").asc(),
        models.F("id").asc(),
    ]


class Case(QuickChoiceDisplay, models.Model):
    """A call (通報 or 問い合わせ) taken by the call center and shared with a department."""

    class Kind(models.TextChoices):
        REPORT = "report", _("通報")
        INQUIRY = "inquiry", _("問い合わせ")

    class Channel(models.TextChoices):
        PHONE = "phone", _("電話")
        FAX = "fax", _("FAX")
        EMAIL = "email", _("電子メール")
        KOBE_POST = "kobe_post", _("KOBE ぽすと")
        COUNTER = "counter", _("所管課の窓口")

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        IN_PROGRESS = "in_progress", _("所管課対応中")
        ANSWERED = "answered", _("回答済")
        CITIZEN_ANSWERED = "citizen_answered", _("市民回答済")
        CLOSED = "closed", _("完了")

    class WorkStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("未着手")
        WORKING = "working", _("対応中")
        DONE = "done", _("対応済")

    # Allowed status changes. 回答済 → 完了 is added per case when no call back is due.
    TRANSITIONS: dict[str, set[str]] = {
        Status.RECEIVED: {Status.IN_PROGRESS, Status.ANSWERED},
        Status.IN_PROGRESS: {Status.ANSWERED},
        Status.ANSWERED: {Status.CITIZEN_ANSWERED, Status.IN_PROGRESS},
        Status.CITIZEN_ANSWERED: {Status.CLOSED, Status.IN_PROGRESS},
        Status.CLOSED: {Status.IN_PROGRESS},
    }
    # Going back to 所管課対応中 from these is a reopen (再開).
    REOPEN_FROM = {Status.ANSWERED, Status.CITIZEN_ANSWERED, Status.CLOSED}
    # Waiting for the department: what the inbox shows first and reminders chase.
    UNANSWERED_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)
    # The timeline milestones kept on the case: status reached → column of its first time.
    MILESTONES: dict[str, str] = {
        Status.ANSWERED: "first_answered_at",
        Status.CITIZEN_ANSWERED: "first_told_at",
        Status.CLOSED: "first_closed_at",
    }
    STATUS_ORDER = list(Status.values)

    reference = models.CharField(_("受付番号"), max_length=20, unique=True, editable=False)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    kind = models.CharField(_("分類"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    dial = models.ForeignKey(
        Dial, verbose_name=_("ダイヤル"), on_delete=models.PROTECT, related_name="cases"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("種別"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("タイトル"), max_length=200)
    received_at = models.DateTimeField(_("受付日時"), default=timezone.now)
    channel = models.CharField(
        _("受付方法"), max_length=12, choices=Channel.choices, default=Channel.PHONE
    )

    caller_name = models.CharField(_("氏名"), max_length=100, blank=True)
    caller_kana = models.CharField(_("氏名カナ"), max_length=100, blank=True)
    caller_phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    caller_phone_digits = models.CharField(
        _("電話番号（数字のみ）"), max_length=20, blank=True, editable=False
    )

    latitude = models.FloatField(_("緯度"), null=True, blank=True)
    longitude = models.FloatField(_("経度"), null=True, blank=True)
    address = models.CharField(_("住所・目印"), max_length=200, blank=True)
    ward = models.CharField(_("区"), max_length=5, choices=Ward.choices, blank=True)

    details = models.TextField(_("内容詳細"), blank=True)
    # 要配慮個人情報 (health): kept apart so that no list, search, mail or log carries it.
    health_symptoms = models.TextField(
        _("健康被害の症状"),
        blank=True,
        help_text=_("要配慮個人情報です。詳細画面でスーパーバイザーと所管課にだけ表示されます。"),
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("案件の所管課"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    reply_needed = models.BooleanField(_("回答要否"), default=True)
    direct_answer = models.BooleanField(_("所管課直接回答"), default=False)
    urgent = models.BooleanField(_("緊急"), default=False)
    urgent_contact = models.CharField(_("電話連絡した所管課職員"), max_length=100, blank=True)
    urgent_contacted_at = models.DateTimeField(_("電話連絡日時"), null=True, blank=True)

    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    work_status = models.CharField(
        _("対応状況"), max_length=12, choices=WorkStatus.choices, default=WorkStatus.NOT_STARTED
    )
    reply_text = models.TextField(_("所管課の回答"), blank=True)
    replied_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    citizen_told_at = models.DateTimeField(_("市民回答日時"), null=True, blank=True)
    reply_due_date = models.DateField(_("回答期限"), null=True, blank=True, editable=False)
    # When the case FIRST reached 回答済 / 市民回答済 / 完了: the earliest such line of the
    # timeline, kept here so that statistics aggregate plain columns instead of searching
    # the timeline of every case. Unlike replied_at and citizen_told_at, a reopen and a
    # second answer never move them. Written only by tickets.services._record.
    first_answered_at = models.DateTimeField(
        _("最初の回答日時"), null=True, blank=True, editable=False
    )
    first_told_at = models.DateTimeField(
        _("最初の市民回答日時"), null=True, blank=True, editable=False
    )
    first_closed_at = models.DateTimeField(
        _("最初の完了日時"), null=True, blank=True, editable=False
    )
    # Optimistic locking: every change bumps it; a save based on an older number is refused.
    version = models.PositiveIntegerField(_("版"), default=1, editable=False)

    # Characters and character pairs of the searchable text (see normalize.search_tokens).
    search_tokens = TokenArrayField(default=list, blank=True, editable=False)
    # Title, details, caller name and kana in the search spelling (see normalize.search_text).
    search_text = models.TextField(default="", blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受付者"),
        on_delete=models.PROTECT,
        related_name="cases_created",
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    # Set when the retention period ended and the personal data was erased (廃棄).
    disposed_at = models.DateTimeField(_("個人情報の廃棄日時"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="case_received_idx"),
            models.Index(fields=["status", "-received_at"], name="case_status_idx"),
            models.Index(fields=["department", "status"], name="case_department_status_idx"),
            models.Index(fields=["category", "-received_at"], name="case_category_idx"),
            models.Index(fields=["department", "reply_due_date"], name="case_department_due_idx"),
            models.Index(fields=["dial", "-received_at"], name="case_dial_idx"),
            models.Index(fields=["ward", "-received_at"], name="case_ward_idx"),
            models.Index(fields=["caller_phone_digits"], name="case_phone_digits_idx"),
            models.Index(fields=["latitude", "longitude"], name="case_location_idx"),
            models.Index(
                fields=["received_at"],
                name="case_urgent_idx",
                condition=models.Q(urgent=True),
            ),
            # Open cases are ~5 % of a ten-year archive: small partial indexes serve the
            # open lists, their counts and the department inboxes without touching the rest.
            models.Index(
                fields=["-received_at", "-id"],
                name="case_open_received_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(
                fields=["department", "-received_at"],
                name="case_open_department_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(
                fields=["ward", "-received_at"],
                name="case_open_ward_idx",
                condition=~models.Q(status="closed"),
            ),
            models.Index(
                fields=["received_at"],
                name="case_open_urgent_idx",
                condition=~models.Q(status="closed") & models.Q(urgent=True),
            ),
            # Open cases near a new call's place (tickets.search.nearby_open_cases): the
            # category's open cases of the last days. Without it PostgreSQL joined a bitmap
            # of the category's whole archive (133,620 entries, 18 ms at 2,000,000 cases).
            models.Index(
                fields=["category", "-received_at"],
                include=["latitude", "longitude"],
                name="case_open_category_idx",
                condition=~models.Q(status="closed"),
            ),
            # Statistics of a period (kobepost.stats): every column they group or measure
            # is in the index, so a whole fiscal year is read from the index alone.
            models.Index(
                fields=["received_at"],
                include=STATS_COLUMNS,
                name="case_stats_period_idx",
            ),
            models.Index(
                fields=["department", "received_at"],
                include=[column for column in STATS_COLUMNS if column != "department"],
                name="case_stats_department_idx",
            ),
            # A response time of the statistics (STATS_RESPONSE_SPANS), so
            # that a percentile reads the cases of one bucket of it from the index alone.
            *(
                models.Index(
                    models.F(end) - models.F(start),
                    include=sorted({start, end, "received_at", "dial", "department", "category"}),
                    condition=models.Q(**{f"{end}__isnull": False}),
                    name=f"case_{name}_time_idx",
                )
                for name, (start, end) in STATS_RESPONSE_SPANS.items()
            ),
            # The same per department and per category: a group's percentile walks only its
            # own rows of the bucket (kobepost.stats.response_times._bucket_values).
            *(
                models.Index(
                    models.F(group),
                    models.F(end) - models.F(start),
                    include=sorted({start, end, "received_at", "dial", "department"} - {group}),
                    condition=models.Q(**{f"{end}__isnull": False}),
                    name=f"case_{name}_{short}_time_idx",
                )
                for name, (start, end) in STATS_RESPONSE_SPANS.items()
                for group, short in (("department", "dept"), ("category", "category"))
            ),
            # Waiting for the department's reply: the overdue figures, by received day.
            models.Index(
                fields=["department", "received_at"],
                include=["dial"],
                name="case_awaiting_reply_idx",
                condition=models.Q(status__in=["received", "in_progress"]),
            ),
            # The department inbox in its own order (departments.views._inbox_cases), so a
            # page reads 30 index entries instead of sorting the department's cases: one
            # index for the open tabs (the default), one for the "all" tab.
            models.Index(
                models.F("department"),
                *inbox_order(in_index=True),
                name="case_inbox_open_idx",
                condition=~models.Q(status="closed"),
            ),
            # Its status is included so that a deep page picks its ids from the index alone
            # (9 ms instead of 132 ms at offset 26,640 of a department's 26,668 cases).
            models.Index(
                models.F("department"),
                *inbox_order(in_index=True),
                name="case_inbox_all_idx",
                include=["status"],
            ),
            # The case list sorted by status, both ways (list_status_order). The status is
            # included so that a deep page by number picks its ids from the index alone
            # (an expression's own column is not enough for an index-only scan): 18 ms
            # instead of ~190 ms at offset 100,000.
            models.Index(
                *list_status_order(descending=False),
                name="case_status_rank_idx",
                include=["status"],
            ),
            models.Index(
                *list_status_order(descending=True),
                name="case_status_rank_desc_idx",
                include=["status"],
            ),
            # The department map: the bounding box of a department's open cases, read from
            # the index alone (no table access) when the map groups them into grid cells.
            models.Index(
                fields=["department", "latitude", "longitude"],
                name="case_open_map_idx",
                condition=~models.Q(status="closed"),
            ),
            # The call-back queue (awaiting_callback), in its own order.
            models.Index(
                *callback_order(),
                name="case_awaiting_callback_idx",
                condition=models.Q(status="answered", reply_needed=True, direct_answer=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self.category_id:
            self.dial_id = self.category.dial_id  # the dial follows from the category
        searchable = (self.title, self.details, self.caller_name, self.caller_kana)
        self.search_tokens = search_tokens(*searchable)
        self.search_text = search_text(*searchable)
        # Every path that creates or edits a case passes here (forms, services, admin,
        # corrections): the phone history and the outbound scrubber match these digits.
        self.caller_phone_digits = phone_digits(self.caller_phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = set()
            if set(SEARCHED_FIELDS) & set(update_fields):
                derived |= {"search_tokens", "search_text"}
            if "caller_phone" in update_fields:
                derived.add("caller_phone_digits")
            if derived:
                kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    # --- lifecycle --------------------------------------------------------------------
    @property
    def skips_callback(self) -> bool:
        """No call back by the call center: the department answers directly or none needed."""
        return self.direct_answer or not self.reply_needed

    def allowed_transitions(self) -> set[str]:
        allowed = set(self.TRANSITIONS.get(self.status, set()))
        if self.status == self.Status.ANSWERED and self.skips_callback:
            allowed.add(self.Status.CLOSED)
            allowed.discard(self.Status.CITIZEN_ANSWERED)
        return allowed

    def check_transition(self, new_status: str) -> None:
        if new_status not in self.allowed_transitions():
            current = self.Status(self.status).label
            target = (
                self.Status(new_status).label if new_status in self.Status.values else new_status
            )
            raise InvalidTransition(
                _("「%(current)s」から「%(target)s」には変更できません。"),
                code="invalid_transition",
                params={"current": current, "target": target},
            )

    def is_reopen(self, new_status: str) -> bool:
        return new_status == self.Status.IN_PROGRESS and self.status in self.REOPEN_FROM

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    # --- privacy ----------------------------------------------------------------------
    # The caller's personal data on every case page (the place is personal when it is a
    # home); the audit trail names them. The health symptoms are apart: see below.
    PERSONAL_FIELDS = ("caller_name", "caller_kana", "caller_phone", "address", "details")

    def personal_fields_shown(self, *, show_health: bool) -> tuple[str, ...]:
        """The personal fields a page of this case shows, for the audit trail."""
        health = ("health_symptoms",) if show_health and self.health_symptoms else ()
        return (*self.PERSONAL_FIELDS, *health)

    def health_symptoms_visible_to(self, user) -> bool:
        """要配慮個人情報: supervisors and the responsible department only.

        Operators may type the symptoms while taking the call but see them masked later:
        the council allowed the call center to collect, not to browse, health data.
        """
        if user.is_supervisor:
            return True
        return user.is_department_staff and user.department_id == self.department_id

    # --- due date ---------------------------------------------------------------------
    def compute_reply_due_date(self, start: datetime.datetime | None = None) -> datetime.date:
        from kobepost.lib.jp_calendar import add_business_days

        moment = start or self.received_at or timezone.now()
        return add_business_days(timezone.localdate(moment), self.category.reply_days)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in self.UNANSWERED_STATUSES
            and self.reply_due_date is not None
            and self.reply_due_date < timezone.localdate()
        )

    # --- location ---------------------------------------------------------------------
    @property
    def location_label(self) -> str:
        """Ward and address for display, without saying the ward twice."""
        ward = self.get_ward_display() if self.ward else ""
        if ward and self.address.startswith(ward):
            return self.address
        return " ".join(part for part in (ward, self.address) if part)

    def distance_m(self, latitude: float, longitude: float) -> float | None:
        if self.latitude is None or self.longitude is None:
            return None
        return haversine_m(self.latitude, self.longitude, latitude, longitude)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


class CaseEvent(QuickChoiceDisplay, models.Model):
    """One line of a case's timeline: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("新規受付")
        STATUS = "status", _("状態変更")
        TRANSFER = "transfer", _("所管課の変更")
        REOPEN = "reopen", _("再開")
        REPLY = "reply", _("所管課回答")
        CALLBACK = "callback", _("市民への回答")
        LINKED_CALL = "linked_call", _("追加の通報")
        URGENT_CONTACT = "urgent_contact", _("緊急連絡")
        WORK_STATUS = "work_status", _("対応状況の変更")
        CORRECTION = "correction", _("個人情報の訂正")
        INTERNAL_NOTE = "internal_note", _("内部メモ")
        ATTACHMENT = "attachment", _("ファイル添付")
        DIRECT_ANSWER = "direct_answer", _("所管課から市民へ直接回答")
        CONTRACTOR = "contractor", _("業者への依頼")
        AGENCY_HANDOVER = "agency_handover", _("関係機関への引継ぎ")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実施者"),
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)
    from_status = models.CharField(
        _("変更前の状態"), max_length=20, choices=Case.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("変更後の状態"), max_length=20, choices=Case.Status.choices, blank=True
    )
    note = models.TextField(_("メモ"), blank=True)
    # The case's version right after this event: "what changed since version N".
    case_version = models.PositiveIntegerField(_("版"), default=0)

    class Meta:
        verbose_name = _("案件の経過")
        verbose_name_plural = _("案件の経過")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class IntakeToken(models.Model):
    """One-time token of an intake form: a resubmit finds the case the first submit made."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_tokens"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("受付フォームの送信トークン")
        verbose_name_plural = _("受付フォームの送信トークン")

    def __str__(self) -> str:
        return self.token


class CountedMonthChange(models.Model):
    """A closed month (Japan time) whose cases or FAQ calls changed in a way the statistics
    count since they last counted it: kobepost.stats reads it from the rows again until it
    counts the month anew (tickets/counted_months.py, kobepost/stats/rollup.py)."""

    month = models.DateField(_("月"), primary_key=True)
    changed_at = models.DateTimeField(_("変更日時"))

    class Meta:
        verbose_name = _("集計後に変わった月")
        verbose_name_plural = _("集計後に変わった月")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


__all__ = [
    "HEALTH_DIAL_CODE",
    "Case",
    "CaseEvent",
    "Category",
    "CountedMonthChange",
    "Dial",
    "FiscalYearCounter",
    "IntakeToken",
    "InvalidTransition",
    "haversine_m",
]
