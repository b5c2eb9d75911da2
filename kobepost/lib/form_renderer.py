"""Django's form renderer with its hottest templates rendered in Python.

The case search form draws about 150 ``<option>``s, the intake form about 25 field groups.
Django renders every option through two template includes and every field group through four
templates, which made form markup the largest part of the list, search and intake pages on a
big archive (about half of their server time). The functions here write the same markup as
Django's own templates, byte for byte (``kobepost/lib/tests/test_form_renderer.py`` renders a
catalogue of fields through both and compares), so pages look and behave exactly as before.

Only Django's stock template names are intercepted: a widget or form that names its own
template still goes through the template engine, and so does everything not listed in
``PYTHON_TEMPLATES``. If the project ever overrides one of these templates, remove it from
the table.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"


def _attr_value(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: safe input stays unescaped, like the filter."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % value  # noqa: UP031 -- the filter's own formatting, tuples handled above
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """django/forms/attrs.html and widgets/attrs.html."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_attr_value(value)}"')
    return "".join(parts)


def _text(value: Any) -> str:
    """``{{ value }}`` with autoescape (forms' values are strings or lazy strings here)."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    value_attr = f' value="{_attr_value(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{value_attr}{_attrs(widget['attrs'])}>\n"
    )


def render_input(context: Mapping[str, Any]) -> str:
    return _input(context["widget"])


def render_textarea(context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    value = _text(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


# radio_option.html and checkbox_option.html both include input_option.html.
INPUT_OPTIONS = {WIDGETS + "radio_option.html", WIDGETS + "checkbox_option.html"}


def _option(renderer: "QuickFormRenderer", option: Mapping[str, Any]) -> str:
    template_name = option["template_name"]
    if template_name == WIDGETS + "select_option.html":
        return (
            f'<option value="{_attr_value(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_text(option['label'])}</option>\n"
        )
    if template_name not in INPUT_OPTIONS or not option["wrap_label"]:
        return renderer.render_with_engine(template_name, {"widget": option})
    option_id = option["attrs"].get("id")
    label_for = f' for="{_text(option_id)}"' if option_id else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n\n"


def render_select(renderer: "QuickFormRenderer", context: Mapping[str, Any]) -> str:
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            parts.append("\n  " + _option(renderer, option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def render_multiple_input(renderer: "QuickFormRenderer", context: Mapping[str, Any]) -> str:
    """radio.html and checkbox_select.html (multiple_input.html and their option templates)."""
    widget = context["widget"]
    widget_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    parts = [
        "<div",
        f' id="{_text(widget_id)}"' if widget_id else "",
        f' class="{_text(css_class)}"' if css_class else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            parts.append("<div>\n    " + _option(renderer, option) + "</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n\n")
    return "".join(parts)


def render_label(context: Mapping[str, Any]) -> str:
    label = _text(context["label"])
    if not context["use_tag"]:
        return f"{label}\n"
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>\n"


def render_error_list(context: Mapping[str, Any]) -> str:
    """errors/list/default.html (which includes ul.html) and ul.html."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{id_attr}>{items}</ul>'


def render_field(context: Mapping[str, Any]) -> str:
    field = context["field"]
    if field.use_fieldset:
        described = field.aria_describedby
        described_attr = f' aria-describedby="{_text(described)}"' if described else ""
        label = _text(field.legend_tag()) if field.label else ""
        head = f"\n  <fieldset{described_attr}>\n  {label}\n"
    else:
        label = _text(field.label_tag()) if field.label else ""
        head = f"\n  {label}\n"
    help_text = ""
    if field.help_text:
        help_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
    closing = "</fieldset>" if field.use_fieldset else ""
    return f"{head}\n{help_text}\n{_text(str(field.errors))}\n{_text(str(field))}{closing}\n"


Plain = Callable[[Mapping[str, Any]], str]
WithRenderer = Callable[["QuickFormRenderer", Mapping[str, Any]], str]

PYTHON_TEMPLATES: dict[str, Plain] = {
    "django/forms/field.html": render_field,
    "django/forms/label.html": render_label,
    "django/forms/errors/list/default.html": render_error_list,
    "django/forms/errors/list/ul.html": render_error_list,
    WIDGETS + "textarea.html": render_textarea,
    **{
        f"{WIDGETS}{name}.html": render_input
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "search",
            "tel",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
            "color",
        )
    },
}
PYTHON_TEMPLATES_WITH_RENDERER: dict[str, WithRenderer] = {
    WIDGETS + "select.html": render_select,
    WIDGETS + "radio.html": render_multiple_input,
    WIDGETS + "checkbox_select.html": render_multiple_input,
}


class QuickFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict, request=None) -> str:
        plain = PYTHON_TEMPLATES.get(template_name)
        if plain is not None:
            return mark_safe(plain(context).strip())  # noqa: S308  # nosec B308 B703 - escaped above
        with_renderer = PYTHON_TEMPLATES_WITH_RENDERER.get(template_name)
        if with_renderer is not None:
            return mark_safe(with_renderer(self, context).strip())  # noqa: S308  # nosec B308 B703 - escaped above
        return super().render(template_name, context, request)

    def render_with_engine(self, template_name: str, context: dict) -> str:
        """An included template, unstripped, as ``{% include %}`` would write it."""
        return self.get_template(template_name).render(context)
