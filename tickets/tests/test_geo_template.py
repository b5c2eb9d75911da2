"""The location picker template's contract with the intake form."""

import json
import re

from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory

from tickets.geo.places import Ward


class IntakeLikeForm(forms.Form):
    address = forms.CharField(label="発生場所の住所")
    ward = forms.ChoiceField(label="区", choices=[("", "---------"), *Ward.choices])
    latitude = forms.DecimalField(widget=forms.HiddenInput, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(widget=forms.HiddenInput, max_digits=9, decimal_places=6)


def render(form, name="tickets/location_picker.html") -> str:
    return render_to_string(name, {"form": form}, request=RequestFactory().get("/"))


def test_whole_template_renders_fields_map_config_and_assets(settings):
    settings.MAP_TILE_URL = "/tiles/test/{z}/{x}/{y}.png"
    html = render(IntakeLikeForm())
    assert 'type="hidden" name="latitude"' in html and 'id="id_latitude"' in html
    assert 'type="hidden" name="longitude"' in html and 'id="id_longitude"' in html
    assert 'id="id_address"' in html
    assert '<select name="ward"' in html and '<option value="28110">中央区</option>' in html
    assert 'id="location-map"' in html
    assert "住所・郵便番号で検索" in html
    assert 'role="listbox"' in html
    assert "leaflet/leaflet.css" in html and "leaflet/leaflet.js" in html
    assert "js/location-picker.js" in html and "css/map.css" in html
    assert "<script>" not in html and "style=" not in html  # CSP: nothing inline
    config_json = re.search(
        r'<script id="location-picker-config" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    config = json.loads(config_json)
    assert config["tileUrl"] == "/tiles/test/{z}/{x}/{y}.png"
    assert (config["searchUrl"], config["wardUrl"], config["townsUrl"]) == (
        "/geo/search/",
        "/geo/ward/",
        "/geo/towns/",
    )


def test_bound_values_and_errors_are_rendered_again():
    form = IntakeLikeForm(
        {"address": "", "ward": "28110", "latitude": "34.688801", "longitude": "135.196121"}
    )
    assert not form.is_valid()
    html = render(form, "tickets/location_picker.html#location_picker_fields")
    assert 'value="34.688801"' in html and 'value="135.196121"' in html
    assert '<option value="28110" selected>中央区</option>' in html
    assert "このフィールドは必須です。" in html
    assert "leaflet.js" not in html  # the fields partial alone carries no assets
