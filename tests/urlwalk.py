"""Every URL pattern of the project as a concrete path, for tests that walk them all.

``all_routes`` fills every pattern with sample values (enough for "is it behind a login?").
``all_patterns`` and ``concrete_path`` put the ids of real objects into the patterns, for
tests that open each page as each role with a world of real rows (tests/test_permission_matrix.py,
tests/test_audit_coverage.py); ``client_for`` signs a test client in as one of those roles.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from faq.models import FaqEntry, FaqProposal
from kobepost.public.auth import SESSION_CITIZEN_HASH, SESSION_CITIZEN_ID, _auth_hash

SAMPLE_VALUES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "path": "sample/x",
    "uuid": ("00000000-0000-0000-0000-000000000000"),
}

# GETs that would end the session the walk is using.
NOT_WALKED = {"logout", "admin:logout", "-admin/logout/", "public:logout"}


@dataclass(frozen=True)
class Route:
    name: str
    path: str


def _concrete(pattern_text: str) -> str:
    def replace(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return SAMPLE_VALUES.get(converter, "1")

    text = re.sub(r"<(?:(\w+):)?\w+>", replace, pattern_text)
    # Regex patterns (the admin's): strip anchors and fill groups with a sample.
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


# --- patterns filled with a world of real rows ---------------------------------------------
@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or "-<pattern>" for unnamed ones
    pattern: str


def all_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(entries, prefix: str, namespace: str) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                text = prefix + str(entry.pattern)
                name = f"{namespace}{entry.name}" if entry.name else f"-{text}"
                found.append(Pattern(name, text))

    walk(get_resolver().url_patterns, "", "")
    return found


def all_routes() -> list[Route]:
    """Every pattern with sample values; unnamed patterns are named by their pattern."""
    return [
        Route(pattern.name.removeprefix("-"), "/" + _concrete(pattern.pattern))
        for pattern in all_patterns()
    ]


def faq_rows(case, proposed_by) -> tuple[FaqEntry, FaqProposal]:
    """The FAQ entry (of the case's department) and proposal a world needs."""
    entry = FaqEntry.objects.create(
        question="道路の穴はどこへ？",
        answer="東部建設事務所です。",
        dial=case.dial,
        department=case.department,
        status=FaqEntry.Status.PUBLISHED,
    )
    proposal = FaqProposal.objects.create(
        entry=entry, proposed_question="改", proposed_answer="改", proposed_by=proposed_by
    )
    return entry, proposal


def _admin_object_id(pattern_text: str) -> str:
    """The first row of the model an admin URL is about (``admin/<app>/<model>/<id>/...``)."""
    match = re.match(r"admin/(\w+)/(\w+)/<(?:\w+:)?\w+>/", pattern_text)
    if match:
        try:
            model = apps.get_model(match[1], match[2])
        except LookupError:
            return "1"
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            return str(first)
    return "1"


def concrete_path(pattern: Pattern, world: dict, pks: dict[str, object] | None = None) -> str:
    """The pattern with the ids of the world's objects in it.

    The world has a ``case`` (of 東部建設事務所), an FAQ ``entry`` and ``proposal``, a
    ``post`` with a ``photo`` and a ``data_request``. ``pks`` gives the ``pk`` of other URL
    names (``{"departments:attachment": 7}``); without it, department URLs other than the
    case's and notification URLs take an id that is not there.
    """
    name = pattern.name
    pk_by_namespace = {
        "callcenter": world["case"].pk,
        "faq": world["proposal"].pk if "proposal" in name else world["entry"].pk,
        "triage": world["post"].pk,
        "public": world["post"].pk,
        "privacy": world["data_request"].pk,
        "departments": world["case"].pk if "case" in name else 999_999,
        "notifications": 999_999,
    }
    namespace = name.split(":")[0] if ":" in name else ""
    pk = (pks or {}).get(name, pk_by_namespace.get(namespace, 1))
    values = {
        "pk": str(pk),
        "public_id": str(world["photo"].public_id),
        "fmt": "json",
        "code": world["post"].category.code,
        "request_id": str(world["post"].pk),
        "token": str(world["post"].token),
        "app_label": "tickets",
        "content_type_id": str(ContentType.objects.get_for_model(world["case"]).pk),
        "object_id": str(world["case"].pk)
        if name == "admin:view_on_site"
        else _admin_object_id(pattern.pattern),
        "url": "sample",
    }

    if name.startswith("admin:"):
        # Whatever the admin calls its id (object_id, id, pk), it is a row of the model in
        # the path: never a guessed "1" that depends on the database's sequences.
        admin_id = _admin_object_id(pattern.pattern)
        values.update(pk=admin_id, id=admin_id)

    def replace(match: re.Match) -> str:
        return values.get(match[2], "1")

    text = re.sub(r"<(?:(\w+):)?(\w+)>", replace, pattern.pattern)
    # The admin's regex patterns: fill named groups, drop anchors.
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m[1], "1"), text)
    return "/" + text.replace("^", "").replace("$", "").replace("\\", "")


def client_for(role: str, world: dict) -> Client:
    """A client signed in as ``world["users"][role]``, as ``world["citizen"]`` for the role
    "citizen", or signed out for "anonymous"."""
    client = Client()
    if role == "citizen":
        session = client.session
        session[SESSION_CITIZEN_ID] = world["citizen"].pk
        session[SESSION_CITIZEN_HASH] = _auth_hash(world["citizen"])
        session.save()
    elif role != "anonymous":
        client.force_login(world["users"][role])
    return client
