"""The Python form renderer writes exactly what Django's templates write.

Every form of the project, bound and unbound, valid and invalid, and a catalogue of Django's
widgets with the awkward cases (option groups, disabled options, boolean and safe attributes,
fieldsets, hidden initials) are rendered through Django's template renderer and through
``QuickFormRenderer``; the strings must be identical.
"""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from callcenter.forms import CaseIntakeForm, CaseSearchForm, CitizenCallbackForm
from departments import forms as department_forms
from faq import forms as faq_forms
from kobepost.accounts.forms import StaffLoginForm, StaffPasswordChangeForm
from kobepost.lib.form_renderer import QuickFormRenderer

pytestmark = pytest.mark.django_db

COLOURS = [("r", "赤"), ("g", "緑 & <青>")]


class DisablingSelect(forms.Select):
    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"] == "x":
            option["attrs"]["disabled"] = True
        return option


class Catalogue(forms.Form):
    text = forms.CharField(label="氏名", help_text="<b>全角</b>で入力", max_length=20)
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    number = forms.IntegerField(initial=3, min_value=0)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="秘")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(initial=datetime.datetime(2026, 4, 1, 9, 30), required=False)
    time = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False, initial=True)
    maybe = forms.NullBooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial="一行目\n<二行目>")
    colour = forms.ChoiceField(
        choices=[("", "---"), ("Warm", COLOURS), ("Other", [("x", "その他")])],
        required=False,
        widget=DisablingSelect,
    )
    colours = forms.MultipleChoiceField(choices=COLOURS, required=False, initial=["g"])
    radio = forms.ChoiceField(choices=COLOURS, widget=forms.RadioSelect, initial="g")
    grouped_radio = forms.ChoiceField(
        choices=[("Warm", COLOURS), ("n", "なし")], widget=forms.RadioSelect, required=False
    )
    checks = forms.MultipleChoiceField(
        choices=COLOURS, widget=forms.CheckboxSelectMultiple, required=False
    )
    odd_attrs = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={
                "data-on": True,
                "data-off": False,
                "data-none": None,
                "data-safe": mark_safe("<i>"),
            }
        ),
    )
    upload = forms.FileField(required=False)
    shown_initial = forms.CharField(required=False, show_hidden_initial=True, initial="前")
    no_label = forms.CharField(label="", required=False)


class NoIds(Catalogue):
    """Without ids Django writes bare labels (no <label> tag)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id=False, **kwargs)


BAD = {"text": "x" * 30, "number": "-1", "email": "mail", "colour": "zz", "day": "2026-13-01"}


def form_cases(operator, department) -> list[tuple[str, forms.BaseForm]]:
    cases: list[tuple[str, forms.BaseForm]] = [
        ("catalogue", Catalogue()),
        ("catalogue bound invalid", Catalogue(BAD)),
        ("catalogue without ids", NoIds()),
        ("catalogue without ids invalid", NoIds(BAD)),
        ("search", CaseSearchForm({})),
        ("search filtered", CaseSearchForm({"q": "陥没", "status": "open", "ward": "28101"})),
        (
            "search invalid dates",
            CaseSearchForm({"received_from": "2026-05-02", "received_to": "2026-05-01"}),
        ),
        ("intake", CaseIntakeForm()),
        ("intake invalid", CaseIntakeForm({"caller_kana": "やまだ", "title": ""})),
        ("callback", CitizenCallbackForm()),
        ("login", StaffLoginForm()),
        ("password change", StaffPasswordChangeForm(operator)),
    ]
    for form_class in (
        department_forms.ReplyForm,
        department_forms.WorkStatusForm,
        department_forms.InternalNoteForm,
        department_forms.DepartmentTransferForm,
        department_forms.DirectAnswerForm,
        department_forms.AttachmentForm,
        department_forms.AgencyHandoverForm,
        faq_forms.SearchForm,
        faq_forms.FaqEntryForm,
        faq_forms.DecisionForm,
        faq_forms.StatusForm,
        faq_forms.SimpleCallForm,
        faq_forms.ImportForm,
    ):
        name = form_class.__name__
        cases += [(name, form_class()), (f"{name} invalid", form_class({}))]
    for department_form in (
        department_forms.CannedReplyForm,
        department_forms.DepartmentIntakeForm,
    ):
        name = department_form.__name__
        cases += [
            (name, department_form(department=department)),
            (f"{name} invalid", department_form({}, department=department)),
        ]
    return cases


def render_all(form: forms.BaseForm, renderer) -> list[str]:
    form.renderer = renderer
    if form.is_bound:
        form.is_valid()
    rendered = [str(form.render()), str(form.non_field_errors())]
    for field in form:
        rendered += [str(field.as_field_group()), str(field), str(field.errors), field.label_tag()]
    return rendered


def test_the_project_uses_the_quick_renderer():
    assert isinstance(get_default_renderer(), QuickFormRenderer)


def test_every_form_renders_exactly_as_with_django_templates(operator, staff_tobu):
    django_renderer, quick = DjangoTemplates(), QuickFormRenderer()
    compared = 0
    # Two fresh sets of the same forms: a form caches its bound fields and errors.
    for (label, form), (_same, twin) in zip(
        form_cases(operator, staff_tobu.department),
        form_cases(operator, staff_tobu.department),
        strict=True,
    ):
        expected = render_all(form, django_renderer)
        actual = render_all(twin, quick)
        for want, got in zip(expected, actual, strict=True):
            assert got == want, f"{label}:\n--- Django\n{want}\n--- quick\n{got}"
            compared += 1
    assert compared > 300


def test_markup_is_escaped(operator):
    form = Catalogue({"text": '"><script>alert(1)</script>'})
    form.renderer = QuickFormRenderer()
    html = str(form["text"])
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html
    assert "緑 &amp; &lt;青&gt;" in str(form["colour"])
