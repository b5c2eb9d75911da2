from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kobepost.lib.forms import check_date_range
from kobepost.notifications.services import failed_recipients

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FailedFilterForm(forms.Form):
    """Which failed mails to list, and to resend at once: one address, a period, or both."""

    recipient = forms.ChoiceField(label=_("宛先"), required=False)
    created_from = forms.DateField(label=_("作成日（から）"), required=False, widget=DATE_INPUT)
    created_to = forms.DateField(label=_("作成日（まで）"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["recipient"]).choices = [
            ("", _("すべて")),
            *(
                (address, _("%(address)s（%(count)d 件）") % {"address": address, "count": count})
                for address, count in failed_recipients()
            ),
        ]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        check_date_range(self, "created_from", "created_to")
        return data

    def filters(self) -> dict:
        """Keyword arguments of ``failed_notifications`` (nothing filtered if invalid)."""
        if not self.is_valid():
            return {}
        return {
            "recipient": self.cleaned_data["recipient"],
            "created_from": self.cleaned_data["created_from"],
            "created_to": self.cleaned_data["created_to"],
        }
