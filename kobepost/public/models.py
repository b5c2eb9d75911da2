"""KOBE ぽすと: citizen accounts, their posts and photos, and registered API clients.

Citizens are deliberately NOT staff ``User`` rows: they never pass django.contrib.auth,
live in their own session key, and can never reach a staff screen.
"""

import hashlib
import secrets
import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from kobepost.lib.choices import QuickChoiceDisplay
from tickets.geo.places import Ward
from tickets.models import Case
from tickets.outbound import PublicPost, outbound_post

ANONYMOUS_NICKNAME = _("匿名")


class Citizen(models.Model):
    """A registered citizen (市民アカウント). Everything but ``nickname`` is personal."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("女性")
        MALE = "male", _("男性")
        OTHER = "other", _("その他")
        UNANSWERED = "unanswered", _("回答しない")

    class Occupation(models.TextChoices):
        EMPLOYEE = "employee", _("会社員・団体職員")
        CIVIL_SERVANT = "civil_servant", _("公務員")
        SELF_EMPLOYED = "self_employed", _("自営業")
        PART_TIME = "part_time", _("パート・アルバイト")
        STUDENT = "student", _("学生")
        HOMEMAKER = "homemaker", _("主婦・主夫")
        UNEMPLOYED = "unemployed", _("無職")
        OTHER = "other", _("その他")

    login_id = models.CharField(_("ID"), max_length=40, unique=True)
    password = models.CharField(_("パスワード"), max_length=128)
    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(_("氏名（カナ）"), max_length=100)
    address = models.CharField(_("住所"), max_length=200)
    phone = models.CharField(_("電話番号"), max_length=20)
    gender = models.CharField(_("性別"), max_length=12, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("誕生年"))
    occupation = models.CharField(_("職業"), max_length=20, choices=Occupation.choices)
    work_ward = models.CharField(
        _("勤務先・通学先の区名"), max_length=5, choices=Ward.choices, blank=True
    )
    email = models.EmailField(_("メールアドレス"))
    # When ``email`` was shown to reach the citizen (the link in the confirmation mail, or
    # a password reset through it). None: not confirmed yet.
    email_confirmed_at = models.DateTimeField(_("メール確認日時"), null=True, blank=True)
    # A new address asked for on the account page; it replaces ``email`` once confirmed.
    pending_email = models.EmailField(_("確認待ちのメールアドレス"), blank=True)
    notify_status = models.BooleanField(
        _("投稿の状況をメールで知らせる"),
        default=False,
        help_text=_("受付・所管課へ送付・回答・対応完了・不採用・重複のときにメールが届きます。"),
    )
    nickname = models.CharField(_("ニックネーム"), max_length=30)
    # The API token for smartphone apps: only its digest is kept.
    api_token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    last_login = models.DateTimeField(_("最終ログイン"), null=True, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        db_table = "kobepost_citizen"
        verbose_name = _("市民アカウント")
        verbose_name_plural = _("市民アカウント")
        ordering = ["login_id"]

    def __str__(self) -> str:
        return self.login_id

    def set_password(self, raw_password: str | None) -> None:  # None: an unusable password
        self.password = make_password(raw_password)

    @property
    def email_to_confirm(self) -> str:
        """The address a confirmation link would confirm ("" if nothing waits)."""
        if self.pending_email:
            return self.pending_email
        return "" if self.email_confirmed_at else self.email

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def check_password(self, raw_password: str) -> bool:
        def upgrade(raw: str) -> None:
            self.set_password(raw)
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, upgrade)

    def issue_api_token(self) -> str:
        """A new token for apps (shown once); the previous one stops working."""
        token = secrets.token_urlsafe(32)
        self.api_token_digest = token_digest(token)
        self.save(update_fields=["api_token_digest"])
        return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PostFollow(models.Model):
    """A citizen follows a public post: they get its status mails like its poster."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="follows")
    post = models.ForeignKey("public.Post", on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "kobepost_postfollow"
        verbose_name = _("投稿のフォロー")
        verbose_name_plural = _("投稿のフォロー")
        constraints = [
            models.UniqueConstraint(fields=["citizen", "post"], name="post_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id} → {self.post_id}"


class PostCategory(models.Model):
    """投稿区分: what citizens choose; also the Open311 service list."""

    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("区分名"), max_length=100)
    description = models.CharField(_("説明"), max_length=300, blank=True)
    ticket_category = models.ForeignKey(
        "tickets.Category",
        verbose_name=_("案件の分類"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="post_categories",
        help_text=_("振り分けのときに使う共有ツール側の分類（任意）。"),
    )
    retention_class = models.ForeignKey(
        "privacy.RetentionClass",
        verbose_name=_("保存年限"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="post_categories",
        help_text=_(
            "完了・不採用の投稿を保存する年限。未設定なら「案件の分類」の保存年限（分類にも"
            "なければそのダイヤルの保存年限）、それもなければ連携した案件の保存年限に従います。"
        ),
    )
    # Open311 ``group`` and ``keywords``: how an app groups its menu and finds a service.
    group = models.CharField(
        _("グループ"),
        max_length=60,
        blank=True,
        help_text=_("アプリのメニューでまとめる見出し（Open311 の group）。例: 道路・公園"),
    )
    keywords = models.CharField(
        _("キーワード"),
        max_length=300,
        blank=True,
        help_text=_("アプリの検索に使う言葉をカンマ区切りで（Open311 の keywords）。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        db_table = "kobepost_postcategory"
        verbose_name = _("投稿区分")
        verbose_name_plural = _("投稿区分")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [
            word.strip() for word in self.keywords.replace("、", ",").split(",") if word.strip()
        ]


class ServiceAttribute(models.Model):
    """A detail a post category asks for (which park, which facility): an attribute of the
    Open311 service definition. What a citizen answers is kept on the post and shown to
    staff only."""

    class Datatype(models.TextChoices):
        STRING = "string", _("文字列（1行）")
        TEXT = "text", _("文章（複数行）")
        NUMBER = "number", _("数値")
        DATETIME = "datetime", _("日時")
        SINGLE = "singlevaluelist", _("選択肢から1つ")
        MULTI = "multivaluelist", _("選択肢から複数")

    LIST_TYPES = (Datatype.SINGLE, Datatype.MULTI)

    category = models.ForeignKey(
        PostCategory,
        verbose_name=_("投稿区分"),
        on_delete=models.CASCADE,
        related_name="attributes",
    )
    code = models.SlugField(_("コード"), max_length=40)
    description = models.CharField(_("項目名"), max_length=200)
    datatype = models.CharField(
        _("種類"), max_length=16, choices=Datatype.choices, default=Datatype.STRING
    )
    required = models.BooleanField(_("必須"), default=False)
    datatype_description = models.CharField(
        _("入力の説明"), max_length=200, blank=True, help_text=_("例: 公園の入口の看板の名前")
    )
    values = models.TextField(
        _("選択肢"),
        blank=True,
        help_text=_("選択肢の種類のとき、1 行に 1 つ「キー:表示名」で書きます。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        db_table = "kobepost_serviceattribute"
        verbose_name = _("詳細項目")
        verbose_name_plural = _("詳細項目（Open311 の attribute）")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="service_attribute_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.description

    def value_choices(self) -> list[tuple[str, str]]:
        """The choices of a list attribute as (key, name), in the order written."""
        choices = []
        for line in self.values.splitlines():
            key, _sep, name = line.partition(":")
            if key.strip():
                choices.append((key.strip(), name.strip() or key.strip()))
        return choices

    def clean(self) -> None:
        choices = self.value_choices()
        if self.datatype in self.LIST_TYPES and not choices:
            raise ValidationError({"values": _("選択肢を 1 つ以上書いてください。")})
        if len({key for key, _name in choices}) != len(choices):
            raise ValidationError({"values": _("選択肢のキーが重複しています。")})


# Case states in which the citizen's problem counts as dealt with (対応完了 on the post).
CASE_DONE_STATUSES = (Case.Status.ANSWERED, Case.Status.CITIZEN_ANSWERED, Case.Status.CLOSED)


def post_status_for_case(case_status: str, work_status: str) -> str:
    """The post status a linked case implies; the SQL twin is ``current_status_expression``.

    Once a post is forwarded (or linked to an existing case) the department owns the work,
    so the citizen sees 対応中 until the case is answered or the work is done.
    """
    if case_status in CASE_DONE_STATUSES or work_status == Case.WorkStatus.DONE:
        return Post.Status.DONE
    return Post.Status.IN_PROGRESS


def linked_post_status(case_status: str) -> str:
    """What a linked post keeps in ``status``: done exactly when its case is closed.

    The public sees ``post_status_for_case``; this stored value is what retention reads, so
    that a forwarded post is finished (and its period starts) when its case is closed, and
    is live again when the case is reopened.
    """
    if case_status == Case.Status.CLOSED:
        return Post.Status.DONE
    return Post.Status.IN_PROGRESS


def current_status_expression() -> models.Case:
    return models.Case(
        models.When(case__isnull=True, then=models.F("status")),
        models.When(
            models.Q(case__status__in=CASE_DONE_STATUSES)
            | models.Q(case__work_status=Case.WorkStatus.DONE),
            then=models.Value(Post.Status.DONE),
        ),
        default=models.Value(Post.Status.IN_PROGRESS),
        output_field=models.CharField(),
    )


class PostQuerySet(models.QuerySet):
    def published(self) -> "PostQuerySet":
        return self.filter(published=True)

    def published_or_rejected(self) -> "PostQuerySet":
        """What may be looked up by number: published posts, and rejected ones (their
        reason only, see ``Post.content_public``), so that the poster's app can say why."""
        return self.filter(models.Q(published=True) | ~models.Q(rejection=""))

    def with_current_status(self) -> "PostQuerySet":
        """Annotate ``linked_status`` (status derived from the linked case) and
        ``linked_updated_at`` (the later of the post's and the case's last change) in the
        same query."""
        return self.annotate(
            linked_status=current_status_expression(),
            linked_updated_at=Greatest("updated_at", Coalesce("case__updated_at", "updated_at")),
            linked_due_date=models.F("case__reply_due_date"),
        )

    def filter_open(self, is_open: bool) -> "PostQuerySet":
        posts = self.with_current_status()
        if is_open:
            return posts.filter(rejection="").exclude(linked_status=Post.Status.DONE)
        return posts.filter(models.Q(linked_status=Post.Status.DONE) | ~models.Q(rejection=""))


class Post(QuickChoiceDisplay, models.Model):
    """A citizen's report (投稿). Only the nickname of the poster is ever public."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        IN_PROGRESS = "in_progress", _("対応中")
        DONE = "done", _("対応完了")

    class Rejection(models.TextChoices):
        NONE = "", _("なし")
        OUT_OF_SCOPE = "out_of_scope", _("対象外")
        SPAM = "spam", _("いたずら・迷惑投稿")
        OTHER_BODY = "other_body", _("市以外の管理者")
        DUPLICATE = "duplicate", _("重複")

    class Channel(models.TextChoices):
        WEB = "web", _("ウェブ")
        API = "api", _("アプリ（Open311）")

    class CaseLink(models.TextChoices):
        NONE = "", _("なし")
        FORWARDED = "forwarded", _("所管課へ送付")
        DUPLICATE = "duplicate", _("既存の案件と重複")

    citizen = models.ForeignKey(
        Citizen,
        verbose_name=_("投稿者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    nickname = models.CharField(_("ニックネーム"), max_length=30, blank=True)
    category = models.ForeignKey(
        PostCategory, verbose_name=_("投稿区分"), on_delete=models.PROTECT, related_name="posts"
    )
    text = models.TextField(_("投稿内容"), max_length=2000)
    public_text = models.TextField(
        _("公開用の投稿内容"),
        max_length=2000,
        help_text=_("公開ページに表示する文。個人が特定される記述は削ってください。"),
    )
    lat = models.FloatField(_("緯度"), null=True, blank=True)
    lng = models.FloatField(_("経度"), null=True, blank=True)
    address = models.CharField(_("場所（住所・目印）"), max_length=200, blank=True)
    # Used only while no case is linked; afterwards the case is the one source of truth
    # (see ``current_status``).
    status = models.CharField(
        _("状況"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    public_reply = models.TextField(_("市からの回答（公開）"), max_length=2000, blank=True)
    published = models.BooleanField(_("公開"), default=False)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    rejection = models.CharField(
        _("不採用の理由"), max_length=20, choices=Rejection.choices, blank=True, default=""
    )
    rejection_note = models.CharField(
        _("不採用の補足（所管する機関など）"), max_length=300, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重複先の投稿"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    case = models.ForeignKey(
        "tickets.Case",
        verbose_name=_("連携する案件"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    case_link = models.CharField(
        _("案件との関係"), max_length=12, choices=CaseLink.choices, blank=True, default=""
    )
    token = models.UUIDField(_("受付トークン"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(
        _("受付経路"), max_length=5, choices=Channel.choices, default=Channel.WEB
    )
    api_client = models.ForeignKey(
        "public.ApiClient",
        verbose_name=_("アプリ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
    )
    # The answers to the category's details ({attribute code: value or list of keys}); for
    # staff only, never published (free text a citizen typed).
    attributes = models.JSONField(_("詳細項目"), default=dict, blank=True)
    # Indexed by post_stats_period_idx (Meta.indexes), which leads with it.
    created_at = models.DateTimeField(_("投稿日時"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        db_table = "kobepost_post"
        verbose_name = _("市民投稿")
        verbose_name_plural = _("市民投稿")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The triage queue's first tab (new, unpublished, not rejected, no case) in its
            # order: a small index that also answers the tab's count without the table.
            models.Index(
                fields=["created_at", "id"],
                name="post_triage_new_idx",
                condition=models.Q(published=False, rejection="", case__isnull=True),
            ),
            # The other tabs, newest first, and their counts: published posts are most of
            # the table, rejected ones a few.
            models.Index(
                fields=["-created_at", "-id"],
                name="post_published_idx",
                condition=models.Q(published=True),
            ),
            models.Index(
                fields=["-created_at", "-id"],
                name="post_rejected_idx",
                condition=~models.Q(rejection=""),
            ),
            # A citizen's earlier posts (triage's "過去の投稿 N 件"), counted per row.
            models.Index(fields=["citizen", "created_at"], name="post_citizen_created_idx"),
            # Statistics of a period (kobepost.stats): every column they group by is in
            # the index, so ten years of posts are counted from the index alone.
            models.Index(
                fields=["created_at"],
                include=["category", "channel", "case_link", "rejection"],
                name="post_stats_period_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @cached_property
    def for_public(self) -> PublicPost:
        """The free texts as the public pages and Open311 show them (tickets.outbound)."""
        return outbound_post(self)

    @property
    def public_nickname(self) -> str:
        return self.nickname or str(ANONYMOUS_NICKNAME)

    @property
    def is_rejected(self) -> bool:
        return bool(self.rejection)

    @property
    def content_public(self) -> bool:
        """Text, photos, place and nickname are shown to everyone only once published."""
        return self.published

    @property
    def rejection_reason(self) -> str:
        """What the public is told about a rejected post (the reason, never its text)."""
        if not self.is_rejected:
            return ""
        if self.rejection == self.Rejection.DUPLICATE and self.duplicate_of_id:
            return str(
                _("重複（投稿 %(number)s と同じ内容です）") % {"number": self.duplicate_of_id}
            )
        reason = str(self.get_rejection_display())
        note = self.for_public.rejection_note
        return f"{reason}（{note}）" if note else reason

    @property
    def current_status(self) -> str:
        """What the public sees: the linked case's progress, else the supervisor's status.

        Lists annotate ``linked_status`` (``PostQuerySet.with_current_status``) so that no
        row costs a query; a lone post falls back to reading its case.
        """
        if "linked_status" in self.__dict__:
            return self.__dict__["linked_status"]
        case = self.case
        if case is None:
            return self.status
        return post_status_for_case(case.status, case.work_status)

    @property
    def public_updated_at(self):
        """When what the public sees last changed (Open311 ``updated_datetime``).

        A linked case's progress changes the post's public status without touching the
        post, so the case's last change counts too (an internal edit of the case moves it
        as well: an app polls once more, it misses nothing).
        """
        if "linked_updated_at" in self.__dict__:
            return self.__dict__["linked_updated_at"]
        if self.case_id is None:
            return self.updated_at
        return max(self.updated_at, self.case.updated_at)

    @property
    def expected_date(self):
        """The linked case's reply due date (回答期限), None while no case is linked."""
        if "linked_due_date" in self.__dict__:
            return self.__dict__["linked_due_date"]
        return self.case.reply_due_date if self.case_id else None

    def attribute_rows(self) -> list[tuple[str, str]]:
        """The details the citizen gave, as (item name, answer) for staff pages."""
        if not self.attributes:
            return []
        rows = []
        known = {a.code: a for a in self.category.attributes.all()}
        for code, value in self.attributes.items():
            attribute = known.get(code)
            names = dict(attribute.value_choices()) if attribute else {}
            values = value if isinstance(value, list) else [value]
            shown = "、".join(str(names.get(str(v), v)) for v in values)
            rows.append((attribute.description if attribute else code, shown))
        return rows

    @property
    def current_status_label(self) -> str:
        return str(self.Status(self.current_status).label)

    @property
    def is_open(self) -> bool:
        return self.current_status != self.Status.DONE and not self.is_rejected

    def visible_photos(self) -> list["PostPhoto"]:
        return [p for p in self.photos.all() if not p.hidden]

    def citizen_photos(self) -> list["PostPhoto"]:
        return [p for p in self.photos.all() if p.kind == PostPhoto.Kind.CITIZEN]

    def repair_photos(self) -> list["PostPhoto"]:
        return [p for p in self.photos.all() if p.kind == PostPhoto.Kind.AFTER_REPAIR]


class PostPhoto(models.Model):
    """A re-encoded, metadata-free JPEG stored under MEDIA_ROOT/posts/.

    ``file_name`` is the copy everyone allowed to see the photo gets (the public page,
    Open311, the poster). Once a supervisor blurs faces or number plates
    (``citizen_services.photo_redact``) it is the blurred copy, and the photo as posted is
    kept apart in ``original_name`` for supervisors only, so that the blur can be redone;
    both files go with the post at the end of its retention period (kobepost.privacy.retention),
    or the original earlier when a supervisor drops it.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("投稿写真")
        AFTER_REPAIR = "after_repair", _("対応後の写真")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_name = models.CharField(max_length=200)
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices, default=Kind.CITIZEN)
    hidden = models.BooleanField(_("非表示"), default=False)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # The photo as posted, when file_name is a blurred copy; empty otherwise.
    original_name = models.CharField(max_length=200, blank=True, editable=False)
    # The rectangles of the blurred copy, in percent of the photo: [{"x", "y", "w", "h"}].
    redactions = models.JSONField(default=list, blank=True, editable=False)
    redacted_at = models.DateTimeField(_("ぼかしを入れた日時"), null=True, blank=True)

    class Meta:
        db_table = "kobepost_postphoto"
        verbose_name = _("投稿写真")
        verbose_name_plural = _("投稿写真")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def publicly_visible(self) -> bool:
        return self.post.published and not self.hidden

    @property
    def is_redacted(self) -> bool:
        return self.redacted_at is not None

    def stored_names(self) -> list[str]:
        """Every file of this photo: the copy served and, if kept, the original."""
        return [name for name in (self.file_name, self.original_name) if name]


class ApiClient(models.Model):
    """A registered app allowed to POST through Open311 (one api_key each)."""

    name = models.CharField(_("アプリ名"), max_length=100, unique=True)
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("キーの先頭"), max_length=8, editable=False)
    active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)

    class Meta:
        db_table = "kobepost_apiclient"
        verbose_name = _("API 利用アプリ")
        verbose_name_plural = _("API 利用アプリ")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def issue_key(self) -> str:
        """Set a fresh api_key (returned once; only its digest is stored)."""
        key = secrets.token_urlsafe(24)
        self.key_digest = token_digest(key)
        self.key_hint = key[:6]
        return key

    @classmethod
    def for_key(cls, key: str) -> "ApiClient | None":
        if not key:
            return None
        return cls.objects.filter(key_digest=token_digest(key), active=True).first()


__all__ = [
    "ApiClient",
    "Citizen",
    "Post",
    "PostCategory",
    "PostFollow",
    "PostPhoto",
    "ServiceAttribute",
]
