"""Every URL × every role: the GET status must match tests/permission_matrix.py.

Objects are real: one case of 東部建設事務所 (kensetsu-tobu), one FAQ entry and one proposal
of that department, one KOBE ぽすと post with a photo by the citizen role, one data request.
Their ids are put into the URL patterns (see ``tests.urlwalk.concrete_path``).

A URL without a row fails with the row to add. To print the whole table as it is now:

    PERMISSION_MATRIX_PRINT=1 .venv/bin/pytest tests/test_permission_matrix.py -q -s
"""

import os

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kobepost.accounts.models import User
from kobepost.privacy.models import DataRequest
from kobepost.public.tests.fixtures import make_citizen, make_post
from tests.permission_matrix import MATRIX, ROLES
from tests.urlwalk import NOT_WALKED, all_patterns, client_for, concrete_path, faq_rows
from tickets.tests.factories import make_case


@pytest.fixture
def world(make_user, operator, supervisor, staff_tobu, staff_seibu, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(operator, "road-damage", caller_name="日向 太郎")
    assert case.department.code == "kensetsu-tobu"
    entry, proposal = faq_rows(case, proposed_by=staff_tobu)
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
