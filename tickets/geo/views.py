"""JSON look-ups for the location picker: address search, ward of a point, town points.

Read-only and offline (tickets/geo/places.py); no database queries. The address typed and the
point chosen are often the caller's home, so those two look-ups are POSTed
(kobepost.lib.private_search); the town points of the map's view stay a GET.
"""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kobepost.accounts.decorators import role_required
from kobepost.accounts.models import User
from tickets.geo import places as geo

STAFF_ROLES = (User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.DEPARTMENT_STAFF)
MAX_QUERY_LENGTH = 100
SEARCH_LIMIT = 10
TOWNS_LIMIT = 500


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_POST
@role_required(*STAFF_ROLES)
def search(request: HttpRequest) -> JsonResponse:
    """q=住所・郵便番号 → {"results": [place, ...]} (best first, at most 10)."""
    query = request.POST.get("q", "").strip()
    if not query:
        return _bad_request(_("住所または郵便番号を入力してください。"))
    if len(query) > MAX_QUERY_LENGTH:
        return _bad_request(
            _("検索語は%(max)d文字以内で入力してください。") % {"max": MAX_QUERY_LENGTH}
        )
    places = geo.search_address(query, limit=SEARCH_LIMIT)
    return JsonResponse({"results": [place.as_json() for place in places]})


@require_POST
@role_required(*STAFF_ROLES)
def ward(request: HttpRequest) -> JsonResponse:
    """lat=&lng= → {"ward": code|null, "ward_name", "town", "address"}; null outside Kobe.

    ``address`` is what the picker offers for the address field (always in Japanese).
    """
    point = geo.parse_point(request.POST.get("lat"), request.POST.get("lng"))
    if point is None:
        return _bad_request(_("緯度（lat）と経度（lng）を正しい数値で指定してください。"))
    town = geo.nearest_town(*point)
    if town is None:
        return JsonResponse({"ward": None, "ward_name": "", "town": "", "address": ""})
    return JsonResponse(
        {
            "ward": town.ward_code,
            "ward_name": str(town.ward.label),
            "town": town.town,
            "address": town.address,
        }
    )


@require_GET
@role_required(*STAFF_ROLES)
def towns(request: HttpRequest) -> JsonResponse:
    """?bbox=south,west,north,east → {"towns": [...], "truncated": bool}."""
    parts = request.GET.get("bbox", "").split(",")
    numbers = [geo.parse_coordinate(part) for part in parts]
    if len(numbers) != 4 or any(n is None for n in numbers):
        return _bad_request(
            _(
                "範囲（bbox）は「南端の緯度,西端の経度,北端の緯度,東端の経度」の4つの数値で指定してください。"
            )
        )
    south, west, north, east = (float(n) for n in numbers if n is not None)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        return _bad_request(_("範囲（bbox）の南北・東西の順序または値が正しくありません。"))
    found, truncated = geo.towns_in_bbox(south, west, north, east, limit=TOWNS_LIMIT)
    return JsonResponse({"towns": [t.as_json() for t in found], "truncated": truncated})
