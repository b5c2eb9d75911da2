"""``get_FOO_display()`` without rebuilding every choice on each call."""

import functools

from django.db import models
from django.utils.encoding import force_str


@functools.cache
def _labels(field: models.Field) -> dict:
    return dict(field.flatchoices)


class QuickChoiceDisplay:
    """A model mixin: ``get_FOO_display()`` looks the label up in a dict built once per field.

    Django's own version makes a hashable copy of all the field's choices on every call, and
    hashing a lazy label translates it: a list of 50 cases with a status and a ward asked
    gettext about 800 times. Choices of these models are fixed in code (no callables), so the
    dict per field never goes stale; the label itself stays lazy and follows the language.
    """

    def _get_FIELD_display(self, field: models.Field):
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a JSON field with choices)
            return super()._get_FIELD_display(field)  # type: ignore[misc]  # mixed into a Model
        return force_str(label, strings_only=True)
