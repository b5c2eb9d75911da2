"""A demo page for the location picker, used only by the browser tests.

The real intake form lives in callcenter/; this stands in for it with the same four fields.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_http_methods

from kobepost.urls import urlpatterns as app_urlpatterns
from tickets.geo.places import Ward


class DemoIntakeForm(forms.Form):
    note = forms.CharField(label="内容")
    address = forms.CharField(label="発生場所の住所", max_length=200)
    ward = forms.ChoiceField(label="区", choices=[("", "---------"), *Ward.choices])
    latitude = forms.DecimalField(widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(widget=forms.HiddenInput, max_digits=9, decimal_places=6)


PAGE = """{% extends "base.html" %}
{% block title %}地点の指定（試験用）{% endblock %}
{% block extra_head %}
  {% include "tickets/location_picker.html#location_picker_head" %}
{% endblock %}
{% block content %}
<h1>地点の指定（試験用）</h1>
{% if saved %}<p id="saved">保存しました: {{ saved }}</p>{% endif %}
<form method="post" novalidate>{% csrf_token %}
  <div class="form-row">
    <label for="{{ form.note.id_for_label }}">{{ form.note.label }}</label>
    {{ form.note.errors }}{{ form.note }}
  </div>
  {% include "tickets/location_picker.html#location_picker_fields" %}
  <button type="submit">保存</button>
</form>
{% endblock %}
{% block scripts %}
  {% include "tickets/location_picker.html#location_picker_scripts" %}
{% endblock %}
"""


@require_http_methods(["GET", "POST"])
def location_picker_demo(request: HttpRequest) -> HttpResponse:
    form = DemoIntakeForm(request.POST or None)
    saved = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = f"{data['ward']} {data['address']} {data['latitude']},{data['longitude']}"
        form = DemoIntakeForm()
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"form": form, "saved": saved}, request))


urlpatterns = [
    path("test/location-picker/", location_picker_demo, name="location_picker_demo"),
    *app_urlpatterns,
]
