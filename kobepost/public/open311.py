"""Open311 GeoReport v2 for KOBE ぽすと, under /public/open311/v2/.

Reading (discovery, services, requests, tokens) is open to anyone and shows published
posts only. Creating a request needs two things:

* ``api_key``: the registered app (``ApiClient``, issued in the admin), and
* the citizen's app token (issued on the citizen's account page), sent as
  ``Authorization: Bearer <token>`` or as the ``citizen_token`` field.

Personal data (name, phone, e-mail, ...) sent by an app is ignored: it lives only in the
citizen's account. Photos are sent as multipart/form-data file fields named ``media``
(up to four); ``media_url`` is not fetched.

Every response carries only the poster's nickname at most; never a personal field.
"""

import uuid
import xml.etree.ElementTree as ET  # nosec B405 - only builds XML, never parses input
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from kobepost.accounts.network import client_ip
from kobepost.lib.xmltext import xml_safe
from kobepost.public import ratelimit
from kobepost.public.auth import public_view
from kobepost.public.forms import PhotoField
from kobepost.public.models import (
    ApiClient,
    Citizen,
    Post,
    PostCategory,
    ServiceAttribute,
    token_digest,
)
from kobepost.public.service_attributes import (
    AttributeRefused,
    attributes_clean,
    submitted_attributes,
)
from kobepost.public.services import post_create
from tickets.geo.places import validate_point

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+09:00"
DEFAULT_WINDOW_DAYS = 90
MAX_RESULTS = 1000
MAX_WINDOW_DAYS = 90
# What request_updates tells of each changed request.
UPDATE_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_notice",
    "updated_datetime",
    "expected_datetime",
    "duplicate_of",
)  # the longest start_date..end_date range served in one query
AGENCY = "神戸市"
DEFAULT_GROUP = "KOBE ぽすと"
# expected_datetime: a reply due date (回答期限) is a business day; the department answers
# within the city's office hours, which close at 17:30.
EXPECTED_TIME = time(17, 30)

View = Callable[..., HttpResponseBase]


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- Rendering ------------------------------------------------------------------------


def _xml_append(parent: ET.Element, key: str, value) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_append(child, k, v)
    elif isinstance(value, list):
        item_name = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
        for item in value:
            _xml_append(child, item_name.get(key, "value"), item)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = xml_safe(str(value))


def to_xml(root: str, item: str | None, data) -> bytes:
    element = ET.Element(root)
    if item is None:
        for key, value in data.items():
            _xml_append(element, key, value)
    else:
        for entry in data:
            _xml_append(element, item, entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def respond(fmt: str, data, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, item, data), content_type="text/xml; charset=utf-8", status=status
        )
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def api_format(path: str) -> str | None:
    """The format an error on ``path`` is answered in: "json" or "xml" under the API (by the
    path's suffix, json when it has none), None elsewhere. Used by the site-wide 400 and 404
    pages so that an app never has to parse an HTML page."""
    if not path.startswith(f"{settings.PUBLIC_URL_PREFIX}open311/"):
        return None
    return "xml" if path.endswith(".xml") else "json"


def open311_view(view: View) -> View:
    """Public, and every refusal in the GeoReport error format (400, 403, 404, 405, 429)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponseBase:
        # A NUL never gets here: the site-wide CraftedInputMiddleware refuses it first, in
        # this API's error format (kobepost.request_input.bad_input_response).
        try:
            response = view(request, *args, fmt=fmt, **kwargs)
            if response.status_code == 405:  # from require_GET / require_http_methods
                refusal = error_response(fmt, 405, f"method {request.method} not allowed")
                refusal["Allow"] = response["Allow"]
                return refusal
            return response
        except Open311Error as error:
            response = error_response(fmt, error.status, error.description)
            if error.retry_after is not None:
                response["Retry-After"] = str(error.retry_after)
            return response
        except Http404:
            return error_response(fmt, 404, "not found")

    return public_view(wrapper)


# --- Serialisers (public fields only) -------------------------------------------------------


def service_dict(category: PostCategory) -> dict:
    """A service of the list; ``attributes`` must be prefetched (``metadata``)."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.attributes.all()),
        "type": "realtime",
        "keywords": ",".join(category.keyword_list),
        "group": category.group or DEFAULT_GROUP,
    }


def attribute_dict(attribute: ServiceAttribute, order: int) -> dict:
    """One attribute of a service definition (GeoReport v2, GET Service Definition)."""
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": order,
        "description": attribute.description,
        "values": [{"key": key, "name": name} for key, name in attribute.value_choices()],
    }


def expected_datetime(post: Post) -> str | None:
    """The linked case's reply due date, at the close of that business day; None before a
    case is linked (nobody has promised a date yet)."""
    due = post.expected_date
    if due is None:
        return None
    closing = datetime.combine(due, EXPECTED_TIME, tzinfo=timezone.get_current_timezone())
    return iso(closing)


def request_dict(request: HttpRequest, post: Post) -> dict:
    public = post.content_public
    photos = [p for p in post.visible_photos() if p.kind == p.Kind.CITIZEN] if public else []
    media_url = (
        request.build_absolute_uri(reverse("public:photo", args=[photos[0].public_id]))
        if photos
        else None
    )
    texts = post.for_public
    notes = post.rejection_reason if post.is_rejected else texts.reply
    return {
        "service_request_id": str(post.pk),
        "status": "open" if post.is_open else "closed",
        "status_notes": notes,
        "service_name": post.category.name,
        "service_code": post.category.code,
        "description": texts.text if public else "",
        "agency_responsible": AGENCY,
        "service_notice": post.current_status_label,
        "requested_datetime": iso(post.created_at),
        "updated_datetime": iso(post.public_updated_at),
        "expected_datetime": expected_datetime(post),
        "address": texts.address if public else None,
        "address_id": None,
        "zipcode": None,
        "lat": post.lat if public else None,
        "long": post.lng if public else None,
        "media_url": media_url,
        "nickname": post.public_nickname if public else None,
        # Extension: the post this one duplicates (its number), so an app can link to it.
        "duplicate_of": str(post.duplicate_of_id) if post.duplicate_of_id else None,
    }


# --- Views ----------------------------------------------------------------------------------


@open311_view
@require_GET
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("public:open311_discovery", args=["json"]))
    base = base.rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": "KOBE ぽすと 事務局（神戸市）",
        "key_service": "API キーは市の担当者が発行します（管理画面の「API 利用アプリ」）。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, data, root="discovery", item=None)


@open311_view
@require_GET
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    categories = PostCategory.objects.filter(active=True).prefetch_related("attributes")
    data = [service_dict(c) for c in categories]
    return respond(fmt, data, root="services", item="service")


@open311_view
@require_GET
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    category = PostCategory.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    data = {
        "service_code": category.code,
        "attributes": [
            attribute_dict(attribute, order)
            for order, attribute in enumerate(category.attributes.all(), start=1)
        ],
    }
    return respond(fmt, data, root="service_definition", item=None)


def _parse_date(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value.replace(" ", "+")) if value else None
    except ValueError:  # well formed but impossible: month 13, February 30
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} must be an ISO 8601 date and time")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _with_request_fields(posts):
    # The citizen: outbound_post scrubs the poster's name and phone from the public texts.
    return (
        posts.select_related("category", "citizen").prefetch_related("photos").with_current_status()
    )


def _request_list(request: HttpRequest) -> list[Post]:
    posts = _with_request_fields(Post.objects.published())
    params = request.GET
    if ids := params.get("service_request_id"):
        try:
            numbers = [int(part) for part in ids.split(",") if part.strip()]
        except ValueError:
            raise Open311Error(400, "service_request_id must be numbers") from None
        # With ids given, the spec says every other filter is ignored; a rejected post is
        # found too (closed, with its reason), so the poster's app can tell why.
        found = Post.objects.published_or_rejected().filter(pk__in=numbers)
        return list(_with_request_fields(found).order_by("-created_at"))
    if codes := params.get("service_code"):
        posts = posts.filter(category__code__in=[c.strip() for c in codes.split(",")])
    end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else None
    start = _parse_date(params["start_date"], "start_date") if params.get("start_date") else None
    if start and end and start > end:
        raise Open311Error(400, "start_date is after end_date")
    if start and end and end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise Open311Error(400, f"start_date to end_date must be {MAX_WINDOW_DAYS} days or less")
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_WINDOW_DAYS)
    if start:
        posts = posts.filter(created_at__gte=start)
    if end:
        posts = posts.filter(created_at__lte=end)
    status = params.get("status")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if wanted == {"open"}:
            posts = posts.filter_open(True)
        elif wanted == {"closed"}:
            posts = posts.filter_open(False)
    return _page(params, posts.order_by("-created_at", "-pk"))


def _page(params, posts) -> list[Post]:
    """GeoReport pagination extension: ``page`` (from 1) and ``page_size`` (up to 1000)."""
    try:
        page = int(params.get("page") or 1)
        size = int(params.get("page_size") or MAX_RESULTS)
    except ValueError:
        raise Open311Error(400, "page and page_size must be numbers") from None
    if page < 1 or not 1 <= size <= MAX_RESULTS:
        raise Open311Error(400, f"page must be 1 or more, page_size 1 to {MAX_RESULTS}")
    return list(posts[(page - 1) * size : page * size])


def _citizen_from_token(request: HttpRequest) -> Citizen:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = token or request.POST.get("citizen_token", "").strip()
    if not token:
        raise Open311Error(403, "citizen token required (Authorization: Bearer or citizen_token)")
    citizen = Citizen.objects.filter(api_token_digest=token_digest(token), is_active=True).first()
    if citizen is None:
        raise Open311Error(403, "invalid citizen token")
    return citizen


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = ApiClient.for_key(data.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "invalid api_key")
    citizen = _citizen_from_token(request)
    limits = (("post_address", client_ip(request)), ("post_account", str(citizen.pk)))
    wait = ratelimit.retry_after(*limits)
    if wait is not None:
        raise Open311Error(429, f"too many requests; retry after {wait} seconds", retry_after=wait)
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = PostCategory.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(400, f"service_code {code} not found")
    description = xml_safe(data.get("description", "")).strip()
    if not description:
        raise Open311Error(400, "description is required")
    if len(description) > 2000:
        raise Open311Error(400, "description is longer than 2000 characters")
    address = xml_safe(data.get("address_string", "")).strip()[:200]
    lat = lng = None
    if data.get("lat") or data.get("long"):
        try:
            lat, lng = float(data.get("lat", "")), float(data.get("long", ""))
        except ValueError:
            raise Open311Error(400, "lat and long must be valid coordinates") from None
        try:
            validate_point(lat, lng)
        except ValidationError as error:
            # The staff intake's rule and message (tickets.geo.places), after the API's own words.
            raise Open311Error(400, f"lat/long: {error.code}: {' '.join(error.messages)}") from None
    if lat is None and not address:
        raise Open311Error(400, "lat/long or address_string is required")
    try:
        attributes = attributes_clean(category, submitted_attributes(data.lists()))
    except AttributeRefused as refusal:
        raise Open311Error(400, str(refusal)) from None
    photo_field = PhotoField(required=False, max_count=settings.PUBLIC_PHOTOS_PER_POST)
    try:
        photos = photo_field.clean(request.FILES.getlist("media"))
    except ValidationError as error:
        raise Open311Error(400, "media: " + " ".join(error.messages)) from None
    post = post_create(
        citizen=citizen,
        category=category,
        text=description,
        lat=lat,
        lng=lng,
        address=address,
        photos=photos,
        channel=Post.Channel.API,
        api_client=client,
        attributes=attributes,
    )
    ratelimit.record(*limits)
    result = [
        {
            "service_request_id": str(post.pk),
            "token": str(post.token),
            "service_notice": "受け付けました。市が確認したあと公開されます。",
            "account_id": None,
        }
    ]
    return respond(fmt, result, root="service_requests", item="request", status=201)


@csrf_exempt  # API clients authenticate with api_key + token, never with a session cookie
@open311_view
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    data = [request_dict(request, post) for post in _request_list(request)]
    return respond(fmt, data, root="service_requests", item="request")


@open311_view
@require_GET
def request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """What changed since a time (``since``, required), oldest change first, paginated:
    an app polls this instead of reading every request again. Rejected posts are included
    (closed, with their reason)."""
    if not request.GET.get("since"):
        raise Open311Error(400, "since is required (ISO 8601 date and time)")
    since = _parse_date(request.GET["since"], "since")
    posts = (
        _with_request_fields(Post.objects.published_or_rejected())
        .filter(linked_updated_at__gt=since)
        .order_by("linked_updated_at", "pk")
    )
    data = [
        {key: value for key, value in request_dict(request, post).items() if key in UPDATE_FIELDS}
        for post in _page(request.GET, posts)
    ]
    return respond(fmt, data, root="service_request_updates", item="request_update")


@open311_view
@require_GET
def request_detail(request: HttpRequest, request_id: int, *, fmt: str) -> HttpResponse:
    post = _with_request_fields(Post.objects.published_or_rejected()).filter(pk=request_id).first()
    if post is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return respond(fmt, [request_dict(request, post)], root="service_requests", item="request")


@open311_view
@require_GET
def token_lookup(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    try:
        token_uuid = uuid.UUID(token)
    except ValueError:
        raise Open311Error(404, "token not found") from None
    post = Post.objects.filter(token=token_uuid).first()
    if post is None:
        raise Open311Error(404, "token not found")
    data = [{"service_request_id": str(post.pk), "token": str(post.token)}]
    return respond(fmt, data, root="service_requests", item="request")


@csrf_exempt
@public_view
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /open311/v2/ (an unknown format, a non-numeric id): an Open311 404.

    The format is taken from the address when it names one, JSON otherwise.
    """
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error_response(fmt, 404, "not found: supported formats are .json and .xml")


@public_view
@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    from kobepost.public.open311_schema import openapi_document

    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})
