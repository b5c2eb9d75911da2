"""Checks shared by the forms of every area."""

from django import forms
from django.utils.translation import gettext_lazy as _


def check_date_range(form: forms.Form, start: str, end: str) -> None:
    """A period's end may not come before its start (the error goes on the end field)."""
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and first > last:
        form.add_error(end, _("終わりの日は始まりの日以降にしてください。"))
