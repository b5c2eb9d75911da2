"""Forms: one PBX event (from a form post or a JSON body), the seat, the journal's filter."""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from kobepost.cti.models import Call, CallEvent
from kobepost.cti.numbers import CallerNumber, caller_number_parse
from tickets.models import Dial
from tickets.normalize import phone_digits
from tickets.routing import routing_table

# Names a PBX may use for an event, folded to lower case without separators.
EVENT_NAMES = {
    "new": CallEvent.Kind.NEW,
    "newcall": CallEvent.Kind.NEW,
    "ring": CallEvent.Kind.NEW,
    "ringing": CallEvent.Kind.NEW,
    "answered": CallEvent.Kind.ANSWERED,
    "answer": CallEvent.Kind.ANSWERED,
    "connected": CallEvent.Kind.ANSWERED,
    "transferred": CallEvent.Kind.TRANSFERRED,
    "transfer": CallEvent.Kind.TRANSFERRED,
    "hangup": CallEvent.Kind.HANGUP,
    "hungup": CallEvent.Kind.HANGUP,
    "ended": CallEvent.Kind.HANGUP,
    "missed": CallEvent.Kind.MISSED,
    "noanswer": CallEvent.Kind.MISSED,
    "abandoned": CallEvent.Kind.ABANDONED,
}
# A PBX that replays its backlog after an outage is still believed a week later; a clock
# minutes ahead is a misconfigured PBX, refused so that it is noticed.
OLDEST_EVENT = datetime.timedelta(days=7)
FUTURE_SLACK = datetime.timedelta(minutes=5)
EXTENSION_PATTERN = re.compile(r"^[0-9A-Za-z*#_.\-]{1,20}$")
PRINTABLE_ID = re.compile(r"^[\x21-\x7e]{1,100}$")
ALL_LABEL = _("すべて")


@dataclass(frozen=True)
class CallEventData:
    """One validated event, ready for services.call_event_record."""

    kind: str
    call_id: str
    key: str
    at: datetime.datetime
    caller: CallerNumber | None  # None: this event did not say
    dial_id: int | None
    direction: str
    extension: str
    agent: str


def _parse_moment(value: str) -> datetime.datetime | None:
    value = value.strip()
    if re.fullmatch(r"\d{9,13}(\.\d+)?", value):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds since 1970, as many PBXs send
            seconds /= 1000
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # a PBX in Kobe speaks Japan time
    return moment


def dial_for(value: str) -> int | None:
    """The dial named by its code (``roads``) or by the number that was dialled."""
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return None
    digits = phone_digits(value)
    for pk, code, phone in Dial.objects.values_list("pk", "code", "phone"):
        if value == code or (digits and len(digits) >= 3 and digits == phone_digits(phone)):
            return pk
    return None


class CallEventForm(forms.Form):
    event = forms.CharField(max_length=20)
    call_id = forms.CharField(max_length=100)
    # Room for a SIP URI with a display name: '"Anonymous" <sip:anonymous@anonymous.invalid>'.
    caller = forms.CharField(max_length=200, required=False)
    caller_status = forms.CharField(max_length=40, required=False)
    dial = forms.CharField(max_length=40, required=False)
    direction = forms.CharField(max_length=10, required=False)
    extension = forms.CharField(max_length=20, required=False)
    agent = forms.CharField(max_length=150, required=False)
    at = forms.CharField(max_length=40, required=False)
    event_id = forms.CharField(max_length=100, required=False)

    def clean_event(self) -> str:
        name = re.sub(r"[\s_\-]", "", self.cleaned_data["event"].lower())
        if name not in EVENT_NAMES:
            raise ValidationError(
                _(
                    "event は new, answered, transferred, hangup, missed, abandoned "
                    "のいずれかを指定してください。"
                )
            )
        return EVENT_NAMES[name]

    def clean_call_id(self) -> str:
        value = self.cleaned_data["call_id"].strip()
        if not PRINTABLE_ID.match(value):
            raise ValidationError(_("call_id は空白を含まない英数字・記号で指定してください。"))
        return value

    def clean_event_id(self) -> str:
        value = self.cleaned_data["event_id"].strip()
        if value and not PRINTABLE_ID.match(value):
            raise ValidationError(_("event_id は空白を含まない英数字・記号で指定してください。"))
        return value

    def clean_extension(self) -> str:
        value = unicodedata.normalize("NFKC", self.cleaned_data["extension"]).strip()
        if value and not EXTENSION_PATTERN.match(value):
            raise ValidationError(_("extension は内線番号（英数字20文字まで）で指定してください。"))
        return value

    def clean_agent(self) -> str:
        return self.cleaned_data["agent"].strip()

    def clean_direction(self) -> str:
        value = self.cleaned_data["direction"].strip().lower()
        aliases = {"": "", "in": "in", "inbound": "in", "out": "out", "outbound": "out"}
        if value not in aliases:
            raise ValidationError(_("direction は in か out を指定してください。"))
        return aliases[value]

    def clean_at(self) -> datetime.datetime:
        value = self.cleaned_data["at"]
        now = timezone.now()
        if not value.strip():
            return now
        moment = _parse_moment(value)
        if moment is None:
            raise ValidationError(
                _("at は ISO 8601 の日時（例: 2026-12-01T09:30:00+09:00）か UNIX 時刻です。")
            )
        if moment > now + FUTURE_SLACK or moment < now - OLDEST_EVENT:
            raise ValidationError(
                _("at が現在時刻から離れすぎています（PBX の時計を確認してください）。")
            )
        return moment

    def event_data(self) -> CallEventData:
        data = self.cleaned_data
        kind = data["event"]
        key = data["event_id"]
        if kind == CallEvent.Kind.TRANSFERRED and not key:
            # Transfers repeat within a call; without the PBX's own id, the target and the
            # moment tell them apart, and a retried post of one transfer matches itself.
            key = f"{data['extension']}|{data['agent']}|{data['at'].isoformat()}"[:100]
        elif kind != CallEvent.Kind.TRANSFERRED:
            key = ""
        caller = (
            caller_number_parse(data["caller"], data["caller_status"])
            if data["caller"].strip() or data["caller_status"].strip()
            else None
        )
        return CallEventData(
            kind=kind,
            call_id=data["call_id"],
            key=key,
            at=data["at"],
            caller=caller,
            dial_id=dial_for(data["dial"]),
            direction=data["direction"],
            extension=data["extension"],
            agent=data["agent"],
        )


class SeatForm(forms.Form):
    extension = forms.CharField(
        label=_("内線番号"),
        max_length=20,
        required=False,
        help_text=_("この席の電話の内線番号。着信がこの画面に表示されます。空欄で解除します。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_extension(self) -> str:
        value = unicodedata.normalize("NFKC", self.cleaned_data["extension"]).strip()
        if value and not EXTENSION_PATTERN.match(value):
            raise ValidationError(_("内線番号は半角の英数字で入力してください（例: 201）。"))
        return value


class JournalFilterForm(forms.Form):
    day = forms.DateField(
        label=_("日付"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    dial = forms.ModelChoiceField(
        label=_("ダイヤル"), empty_label=ALL_LABEL, queryset=Dial.objects.all(), required=False
    )
    outcome = forms.ChoiceField(
        label=_("結果"), choices=[("", ALL_LABEL), *Call.Outcome.choices], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["dial"]).choices = routing_table().dial_choices(
            ALL_LABEL
        )
