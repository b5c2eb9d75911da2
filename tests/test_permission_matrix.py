"""Every URL × every role: the GET status must match tests/permission_matrix.py.

Objects are real: one case of 東部建設事務所 (kensetsu-tobu), one FAQ entry and one proposal
of that department, one KOBE ぽすと post with a photo by the citizen role, one data request.
Their ids are put into the URL patterns (see ``concrete_path``).

A URL without a row fails with the row to add. To print the whole table as it is now:

    PERMISSION_MATRIX_PRINT=1 .venv/bin/pytest tests/test_permission_matrix.py -q -s
"""

import os
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from faq.models import FaqEntry, FaqProposal
from kobepost.citizen_auth import SESSION_CITIZEN_HASH, SESSION_CITIZEN_ID, _auth_hash
from kobepost.models import User
from kobepost.tests.conftest import make_citizen, make_post
from tests.permission_matrix import MATRIX, ROLES
from tickets.models import DataRequest
from tickets.tests.factories import make_case

# GETs that would end the session the walk is using.
NOT_WALKED = {"logout", "admin:logout", "-admin/logout/", "public:logout"}


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


@pytest.fixture
def world(make_user, operator, supervisor, staff_tobu, staff_seibu, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(operator, "road-damage", caller_name="日向 太郎")
    assert case.department.code == "kensetsu-tobu"
    entry = FaqEntry.objects.create(
        question="道路の穴はどこへ？",
        answer="東部建設事務所です。",
        dial=case.dial,
        department=case.department,
        status=FaqEntry.Status.PUBLISHED,
    )
    proposal = FaqProposal.objects.create(
        entry=entry, proposed_question="改", proposed_answer="改", proposed_by=staff_tobu
    )
    citizen = make_citizen()
    post = make_post(citizen, photos=1, published=True)
    # A second-factor device, so that its admin pages are about a real row.
    # (of a user nobody signs in as: a confirmed device would ask the walker for a code).
    device_owner = make_user("otp_owner", User.Role.OPERATOR)
    TOTPDevice.objects.create(user=device_owner, name="authenticator", confirmed=True)
    data_request = DataRequest.objects.create(
        kind="disclosure", requester_name="日向 太郎", created_by=admin_user
    )
    return {
        "users": {
            "operator": operator,
            "supervisor": supervisor,
            "dept_own": staff_tobu,
            "dept_other": staff_seibu,
            "admin": admin_user,
        },
        "citizen": citizen,
        "case": case,
        "entry": entry,
        "proposal": proposal,
        "post": post,
        "photo": post.photos.first(),
        "data_request": data_request,
    }


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


def concrete_path(pattern: Pattern, world: dict) -> str:
    """The pattern with the ids of the world's objects in it."""
    name = pattern.name
    pk_by_namespace = {
        "callcenter": world["case"].pk,
        "faq": world["proposal"].pk if "proposal" in name else world["entry"].pk,
        "triage": world["post"].pk,
        "public": world["post"].pk,
        "privacy": world["data_request"].pk,
        # Department case pages take the world's case; attachments and canned replies
        # are not created, so their ids are ones that are not there.
        "departments": world["case"].pk if "case" in name else 999_999,
        # No failed notification exists: the id is one that is not there.
        "notifications": 999_999,
    }
    namespace = name.split(":")[0] if ":" in name else ""
    values = {
        "pk": str(pk_by_namespace.get(namespace, 1)),
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
    client = Client()
    if role == "citizen":
        session = client.session
        session[SESSION_CITIZEN_ID] = world["citizen"].pk
        session[SESSION_CITIZEN_HASH] = _auth_hash(world["citizen"])
        session.save()
    elif role != "anonymous":
        client.force_login(world["users"][role])
    return client


def status_of(client: Client, path: str) -> int:
    try:
        return client.get(path).status_code
    except Exception:
        return 500


def row_text(statuses: dict[str, int]) -> str:
    return " ".join(str(statuses[role]) for role in ROLES)


def test_every_url_has_a_row(db):
    names = {p.name for p in all_patterns() if p.name not in NOT_WALKED}
    missing = sorted(names - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert not missing, (
        "URLs without a row in tests/permission_matrix.py (add one per URL, statuses in the "
        f"order {' '.join(ROLES)}; run with PERMISSION_MATRIX_PRINT=1 to see the actual "
        "statuses): " + ", ".join(missing)
    )
    assert not stale, "rows for URLs that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("role", ROLES)
def test_get_status_per_role_matches_the_table(world, role):
    client = client_for(role, world)
    problems = []
    for pattern in all_patterns():
        if pattern.name in NOT_WALKED or pattern.name not in MATRIX:
            continue
        expected = MATRIX[pattern.name].split()
        assert len(expected) == len(ROLES), f"row {pattern.name!r} needs {len(ROLES)} statuses"
        path = concrete_path(pattern, world)
        actual = status_of(client, path)
        wanted = expected[ROLES.index(role)]
        if wanted != "*" and int(wanted) != actual:
            problems.append(f"{pattern.name} GET {path}: expected {wanted}, got {actual}")
    assert not problems, f"role {role}:\n" + "\n".join(problems)


@pytest.mark.skipif(not os.environ.get("PERMISSION_MATRIX_PRINT"), reason="table printer")
def test_print_the_current_table(world):
    clients = {role: client_for(role, world) for role in ROLES}
    print(f"\n# {' '.join(ROLES)}")
    for pattern in all_patterns():
        if pattern.name in NOT_WALKED:
            continue
        path = concrete_path(pattern, world)
        statuses = {role: status_of(clients[role], path) for role in ROLES}
        print(f'    "{pattern.name}": "{row_text(statuses)}",')
