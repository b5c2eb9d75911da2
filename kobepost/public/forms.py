"""Forms of the citizen side and of supervisor triage; they validate and normalise input."""

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import cast

import jaconv
import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from kobepost.lib.xmltext import XmlSafeFormMixin
from kobepost.public.models import Citizen, Post, PostCategory
from kobepost.public.photos import MAX_REDACTIONS, CleanPhoto, Redaction, clean_photo
from tickets.geo.places import validate_point
from tickets.models import Case, Category

LOGIN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{4,40}$")
KANA_PATTERN = re.compile(r"^[\u30a0-\u30ff\s]+$")
KOBE_WORD = "神戸市"


def normalise_kana(value: str) -> str:
    return jaconv.hira2kata(unicodedata.normalize("NFKC", value)).strip()


def normalise_phone(value: str) -> str:
    """Japanese national format (e.g. 078-331-8181); ValidationError when not a number."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", value), "JP")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("電話番号を正しく入力してください（例: 078-331-8181）。"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class CitizenDetailsForm(XmlSafeFormMixin, forms.ModelForm):
    """The personal data fields shared by registration and the account page."""

    class Meta:
        model = Citizen
        fields = [
            "nickname",
            "name",
            "name_kana",
            "address",
            "work_ward",
            "phone",
            "email",
            "notify_status",
            "gender",
            "birth_year",
            "occupation",
        ]
        help_texts = {
            "nickname": _("公開ページに表示されるのはニックネームだけです。"),
            "name_kana": _("カタカナ（ひらがなで入力しても自動で変換します）"),
            "address": _("神戸市にお住まいの方は「神戸市」から入力してください。"),
            "work_ward": _("市外にお住まいで、神戸市内に通勤・通学している方は選んでください。"),
        }
        widgets = {
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ward_choices = list(self.fields["work_ward"].choices)[1:]
        self.fields["work_ward"].choices = [("", _("選んでください（任意）")), *ward_choices]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["nickname"].widget.attrs["autocomplete"] = "nickname"

    def clean_name(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["name"]).strip()

    def clean_nickname(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["nickname"]).strip()

    def clean_name_kana(self) -> str:
        kana = normalise_kana(self.cleaned_data["name_kana"])
        if not KANA_PATTERN.match(kana):
            raise ValidationError(_("氏名（カナ）はカタカナで入力してください。"))
        return kana

    def clean_address(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["address"]).strip()

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        if not 1900 <= year <= timezone.localdate().year:
            raise ValidationError(_("誕生年を西暦4桁で入力してください（例: 1985）。"))
        return year

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        address = cleaned.get("address", "")
        if address and KOBE_WORD not in address and not cleaned.get("work_ward"):
            self.add_error(
                "address",
                _(
                    "登録できるのは神戸市内に住んでいる方、または市内に通勤・通学している方です。"
                    "住所が市外の方は勤務先・通学先の区を選んでください。"
                ),
            )
        return cleaned


class CitizenRegistrationForm(CitizenDetailsForm):
    login_id = forms.CharField(
        label=_("ID"),
        max_length=40,
        help_text=_("半角英数字と _ . - で4〜40文字。ログインに使います。"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("パスワード"),
        strip=False,
        help_text=_("10文字以上。ありふれたパスワードや数字だけのものは使えません。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    lives_or_works_in_kobe = forms.BooleanField(
        label=_("神戸市内に住んでいる、または市内に通勤・通学しています"),
        error_messages={
            "required": _(
                "神戸市内に在住・在勤・在学の方だけが登録できます。確認のうえチェックしてください。"
            )
        },
    )

    field_order = ["login_id", "password1", "password2", "lives_or_works_in_kobe"]

    def clean_login_id(self) -> str:
        login_id = unicodedata.normalize("NFKC", self.cleaned_data["login_id"]).strip()
        if not LOGIN_ID_PATTERN.match(login_id):
            raise ValidationError(_("ID は半角英数字と _ . - で4〜40文字にしてください。"))
        if Citizen.objects.filter(login_id__iexact=login_id).exists():
            raise ValidationError(_("この ID はすでに使われています。別の ID にしてください。"))
        return login_id

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("確認用のパスワードが一致しません。"))
        elif password1:
            candidate = Citizen(
                login_id=cleaned.get("login_id", ""),
                email=cleaned.get("email", ""),
                name=cleaned.get("name", ""),
                nickname=cleaned.get("nickname", ""),
            )
            try:
                # The validators read attributes only; the stubs ask for a User.
                validate_password(password1, user=candidate)  # type: ignore[arg-type]
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, commit: bool = True) -> Citizen:
        citizen = super().save(commit=False)
        citizen.login_id = self.cleaned_data["login_id"]
        citizen.set_password(self.cleaned_data["password1"])
        if commit:
            citizen.save()
        return citizen


class CitizenLoginForm(forms.Form):
    login_id = forms.CharField(
        label=_("ID"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    # True when an ID and a password were given and did not match: the one refusal that
    # counts against the rate limits (an empty field is a typing slip, not a guess).
    credentials_refused = False

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        login_id, password = cleaned.get("login_id"), cleaned.get("password")
        if login_id and password:
            citizen = Citizen.objects.filter(login_id__iexact=login_id, is_active=True).first()
            if citizen is None or not citizen.check_password(password):
                self.credentials_refused = True
                raise ValidationError(_("ID またはパスワードが正しくありません。"))
            self.citizen = citizen
        return cleaned


class CitizenSetPasswordForm(forms.Form):
    """A new password, twice (the reset link's form)."""

    new_password1 = forms.CharField(
        label=_("新しいパスワード"),
        strip=False,
        help_text=_("10文字以上。ありふれたパスワードや数字だけのものは使えません。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("新しいパスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, citizen: Citizen, *args, **kwargs):
        self.citizen = citizen
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("確認用のパスワードが一致しません。"))
        elif new1:
            try:
                validate_password(new1, user=self.citizen)  # type: ignore[arg-type]  # as above
            except ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned


class CitizenPasswordForm(CitizenSetPasswordForm):
    """The account page's change: the current password first."""

    current_password = forms.CharField(
        label=_("今のパスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    field_order = ["current_password", "new_password1", "new_password2"]

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.citizen.check_password(password):
            raise ValidationError(_("今のパスワードが正しくありません。"))
        return password


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(
        label=_("登録したメールアドレス"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class CitizenDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, citizen: Citizen, *args, **kwargs):
        self.citizen = citizen
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.citizen.check_password(password):
            raise ValidationError(_("パスワードが正しくありません。"))
        return password


PHOTO_ACCEPT = "image/jpeg,image/png,image/heic,image/heif,image/webp"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Several photos from one input; each checked by content (kobepost.public.photos)."""

    def __init__(self, *args, max_count: int, **kwargs):
        self.max_count = max_count
        # The formats decoded by kobepost.public.photos, not image/*: a browser converts any other
        # format (a GIF, a camera's RAW) into one of these, or lets the citizen pick none.
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list[CleanPhoto]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_count:
            raise ValidationError(
                _("写真は%(count)s枚までです。") % {"count": self.max_count}, code="too_many"
            )
        return [clean_photo(f) for f in files]


class PostForm(XmlSafeFormMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("投稿区分"),
        queryset=PostCategory.objects.filter(active=True),
        empty_label=_("選んでください"),
    )
    text = forms.CharField(
        label=_("投稿内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("どこで何が起きているかを書いてください。氏名や電話番号は書かないでください。"),
    )
    photos = PhotoField(
        label=_("写真（4枚まで）"),
        required=False,
        max_count=settings.PUBLIC_PHOTOS_PER_POST,
        help_text=_(
            "JPEG・PNG・HEIC（iPhone）・WebP。大きな写真は縮小し、位置情報などの撮影データは"
            "削除して保存します。"
        ),
    )
    address = forms.CharField(
        label=_("場所（住所・目印）"),
        max_length=200,
        required=False,
        help_text=_("例: 中央区加納町6丁目 市役所前の歩道"),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kept_photos: Sequence[CleanPhoto] = (), **kwargs):
        # Photos checked at an earlier, refused submit of this form (kobepost.public.photos).
        self.kept_photos = list(kept_photos)
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        try:
            # The same rule as the staff intake (tickets.geo.places): a point outside Kobe is not
            # a post this city can act on.
            validate_point(cleaned.get("lat"), cleaned.get("lng"))
        except ValidationError as error:
            self.add_error(None, error)
        if "lat" in cleaned and cleaned.get("lat") is None and not cleaned.get("address"):
            self.add_error(
                "address", _("地図で場所を選ぶか、場所（住所・目印）を入力してください。")
            )
        if "photos" in cleaned:
            photos = self.kept_photos + cleaned["photos"]
            limit = settings.PUBLIC_PHOTOS_PER_POST
            if len(photos) > limit:
                self.add_error(
                    "photos",
                    _("写真は%(count)s枚までです（選んである写真を含みます）。") % {"count": limit},
                )
            cleaned["photos"] = photos
        return cleaned


# --- Supervisor triage -------------------------------------------------------------------


class RejectForm(XmlSafeFormMixin, forms.Form):
    rejection = forms.ChoiceField(
        label=_("不採用の理由"),
        choices=[
            c
            for c in Post.Rejection.choices
            if c[0] not in (Post.Rejection.NONE, Post.Rejection.DUPLICATE)
        ],
    )
    rejection_note = forms.CharField(
        label=_("補足（公開されます）"),
        max_length=300,
        required=False,
        help_text=_("市以外が管理する道路なら所管する機関を書いてください。"),
    )

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("rejection") == Post.Rejection.OTHER_BODY and not cleaned.get(
            "rejection_note"
        ):
            self.add_error("rejection_note", _("所管する機関を入力してください。"))
        return cleaned


class DuplicateForm(forms.Form):
    duplicate_of = forms.IntegerField(label=_("重複先の投稿番号"), min_value=1)

    def __init__(self, post: Post, *args, **kwargs):
        self.post = post
        super().__init__(*args, **kwargs)

    def clean_duplicate_of(self) -> Post:
        number = self.cleaned_data["duplicate_of"]
        if number == self.post.pk:
            raise ValidationError(_("同じ投稿は指定できません。"))
        original = Post.objects.filter(pk=number).first()
        if original is None:
            raise ValidationError(_("その番号の投稿はありません。"))
        return original


class PublicResponseForm(XmlSafeFormMixin, forms.ModelForm):
    repair_photo = PhotoField(label=_("対応後の写真"), required=False, max_count=1)

    class Meta:
        model = Post
        fields = ["public_text", "status", "public_reply"]
        widgets = {
            "public_text": forms.Textarea(attrs={"rows": 4}),
            "public_reply": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.case_id is not None:
            # The linked case decides the status; offering the field would fork the truth.
            del self.fields["status"]


CASE_TITLE_LENGTH = 200


def forward_title(post: Post) -> str:
    """A first title for the case: category, then where, then the start of the text."""
    first_line = post.text.strip().splitlines()[0] if post.text.strip() else ""
    parts = [post.category.name, post.address, first_line[:40]]
    return " ".join(p for p in parts if p)[:CASE_TITLE_LENGTH]


def routed_category(post: Post) -> Category | None:
    """The active case category a post's category routes to, with its active department."""
    if post.category.ticket_category_id is None:
        return None
    return (
        Category.objects.select_related("department")
        .filter(pk=post.category.ticket_category_id, active=True, department__active=True)
        .first()
    )


class ForwardForm(forms.Form):
    """Forward a post to a department: category and department prefilled from the routing."""

    category = forms.ModelChoiceField(
        label=_("種別"),
        queryset=Category.objects.filter(active=True).select_related("dial"),
        empty_label=_("選んでください"),
    )
    department = forms.ModelChoiceField(
        label=_("所管課"),
        queryset=Department.objects.filter(active=True),
        empty_label=_("選んでください"),
        help_text=_("種別から決まる所管課を初期表示します。変更できます。"),
    )
    title = forms.CharField(label=_("タイトル"), max_length=CASE_TITLE_LENGTH)

    # The case category the post's category routes to (None: the supervisor chooses).
    routed_category: Category | None = None

    @classmethod
    def for_post(cls, post: Post) -> "ForwardForm":
        """Prefilled from the routing: the post category's case category and the department
        that category is routed to, so that the supervisor checks and presses one button."""
        category = routed_category(post)
        form = cls(
            initial={
                "category": category.pk if category else None,
                "department": category.department_id if category else None,
                "title": forward_title(post),
            }
        )
        form.routed_category = category
        return form

    def clean_title(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["title"]).strip()


class DuplicateCaseForm(forms.Form):
    case_reference = forms.CharField(
        label=_("重複先の案件の受付番号"),
        max_length=20,
        help_text=_("例: 2026-000123"),
    )

    def clean_case_reference(self) -> Case:
        reference = unicodedata.normalize("NFKC", self.cleaned_data["case_reference"]).strip()
        reference = reference.replace("ー", "-").replace("−", "-")
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise ValidationError(_("その受付番号の案件はありません。"))
        return case


# --- Blurring a photo ----------------------------------------------------------------------

PERCENT_ERROR = _("0〜100 の数で入力してください（例: 12.5）。")


class PercentField(forms.Field):
    """A position or size in percent of the photo; full-width digits and a % sign accepted."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 6, "class": "num"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return f"{value:g}" if isinstance(value, int | float) else value

    def to_python(self, value) -> float | None:
        text = unicodedata.normalize("NFKC", str(value or "")).replace("%", "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValidationError(PERCENT_ERROR, code="invalid") from None
        if not math.isfinite(number) or not 0 <= number <= 100:
            raise ValidationError(PERCENT_ERROR, code="range")
        return round(number, 2)


class RedactionForm(forms.Form):
    """One rectangle to blur; a row left empty is no rectangle."""

    x = PercentField(label=_("左端からの位置（%）"))
    y = PercentField(label=_("上端からの位置（%）"))
    w = PercentField(label=_("幅（%）"))
    h = PercentField(label=_("高さ（%）"))

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        self.redaction: Redaction | None = None
        values = [cleaned.get(name) for name in ("x", "y", "w", "h")]
        if self.errors:
            return cleaned
        if all(value is None for value in values):
            return cleaned
        if any(value is None for value in values):
            raise ValidationError(_("位置と大きさの4つをすべて入力してください。"))
        x, y, w, h = cast(list[float], values)  # none is None (checked above)
        if w == 0 or h == 0:
            raise ValidationError(_("幅と高さは 0 より大きくしてください。"))
        if round(x + w, 2) > 100:
            self.add_error("w", _("左端からの位置と幅の合計が 100% を超えています。"))
        if round(y + h, 2) > 100:
            self.add_error("h", _("上端からの位置と高さの合計が 100% を超えています。"))
        if not self.errors:
            self.redaction = Redaction(x=x, y=y, w=min(w, 100 - x), h=min(h, 100 - y))
        return cleaned


class BaseRedactionFormSet(forms.BaseFormSet):
    """The rectangles of one photo: at least one, at most MAX_REDACTIONS."""

    def clean(self) -> None:
        if any(self.errors):
            return
        count = len(self.redactions())
        if count == 0:
            raise ValidationError(_("ぼかす範囲を1つ以上指定してください。"))
        if count > MAX_REDACTIONS:
            raise ValidationError(
                _("ぼかす範囲は %(limit)s か所までです。") % {"limit": MAX_REDACTIONS}
            )

    def redactions(self) -> list[Redaction]:
        return [form.redaction for form in self.forms if getattr(form, "redaction", None)]


RedactionFormSet = forms.formset_factory(
    RedactionForm,
    formset=BaseRedactionFormSet,
    extra=3,
    max_num=MAX_REDACTIONS,
    absolute_max=MAX_REDACTIONS,
    validate_max=True,
)
RedactionFormSet.default_error_messages = {
    **forms.BaseFormSet.default_error_messages,
    "too_many_forms": _("ぼかす範囲は %(num)d か所までです。"),
}


def redaction_formset(data=None, *, initial: list[dict] | None = None) -> BaseRedactionFormSet:
    return cast(
        BaseRedactionFormSet, RedactionFormSet(data, initial=initial or None, prefix="rect")
    )
