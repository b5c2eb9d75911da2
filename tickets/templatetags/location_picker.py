"""``{% location_picker_config as config %}``: what static/js/location-picker.js needs."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def location_picker_config() -> dict[str, object]:
    leaflet: dict[str, Any] = settings.LEAFLET_CONFIG
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": list(leaflet.get("DEFAULT_CENTER", (34.6901, 135.1955))),
        "zoom": leaflet.get("DEFAULT_ZOOM", 13),
        "minZoom": leaflet.get("MIN_ZOOM", 10),
        "maxZoom": leaflet.get("MAX_ZOOM", 18),
        "pointZoom": 16,
        "searchUrl": reverse("geo:search"),
        "wardUrl": reverse("geo:ward"),
        "townsUrl": reverse("geo:towns"),
        # Messages built here so that they follow the page's language.
        "text": {
            "zoomIn": _("拡大"),
            "zoomOut": _("縮小"),
            "marker": _("通報地点（ドラッグで移動できます）"),
            "searching": _("検索しています…"),
            "noResults": _("該当する住所が見つかりません。"),
            "resultCount": _("%(count)s件見つかりました。上下キーで選び、Enterで決定します。"),
            "searchFailed": _("検索できませんでした。時間をおいてもう一度お試しください。"),
            "pointSet": _(
                "地点を指定しました: %(place)s付近。"
                "区は地点から推定しています。違う場合は選び直してください。"
            ),
            "pointOutside": _(
                "指定した地点は神戸市外のようです。神戸市外の地点は保存できません。"
                "地点を選び直してください。"
            ),
            "pointPending": _(
                "地点を動かしています。Enter で決定、Esc で取り消します（Shift で大きく移動）。"
            ),
            "pointCancelled": _("地点は変更していません（Enter で決定しなかったため）。"),
            "townPoint": _("%(town)s（クリックで地点に指定）"),
        },
    }
