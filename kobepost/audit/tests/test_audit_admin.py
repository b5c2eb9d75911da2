"""The audit trail in the admin: only system administrators see it, nobody edits it, and
the CSV export answers "who saw this record / what did this person see" for a period."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from kobepost.accounts.models import TwoFactorRequirement, User
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.audit.services import audit_record

LIST_URL = "/admin/audit/auditevent/"
EXPORT_URL = "/admin/audit/auditevent/export/"


def record_view(user, record_id, address, when, detail=""):
    with time_machine.travel(when, tick=False):
        return AuditEvent.objects.create(
            action=AuditAction.RECORD_VIEW,
            user=user,
            username=user.username,
            address=address,
            record_type="tickets.case",
            record_id=record_id,
            fields=["caller_name", "caller_phone"],
            detail=detail,
        )


@pytest.fixture
def views_of_cases(operator, operator2, staff_tobu):
    return [
        record_view(operator, "101", "10.10.1.5", datetime(2026, 11, 2, 1, 0, tzinfo=UTC)),
        record_view(operator2, "101", "10.10.1.6", datetime(2026, 11, 10, 2, 0, tzinfo=UTC)),
        record_view(staff_tobu, "202", "172.20.3.4", datetime(2026, 11, 10, 3, 0, tzinfo=UTC)),
        record_view(
            operator, "202", "10.10.1.5", datetime(2026, 11, 20, 4, 0, tzinfo=UTC), "=HYPERLINK()"
        ),
    ]


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def listed_ids(response) -> set[int]:
    return {event.pk for event in response.context["cl"].result_list}


def export_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_admin_lists_the_trail_in_japanese(admin_client, views_of_cases):
    response = admin_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "監査ログ" in body
    assert "個人情報の閲覧" in body
    assert "山田 花子" in body
    assert listed_ids(response) == {event.pk for event in views_of_cases}


def test_list_query_count_does_not_grow_with_rows(
    admin_client, views_of_cases, operator, django_assert_max_num_queries
):
    for number in range(30):
        record_view(operator, str(number), "10.10.1.5", datetime(2026, 11, 3, tzinfo=UTC))
    with django_assert_max_num_queries(10):
        assert admin_client.get(LIST_URL).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected_indexes"),
    [
        ("?record_type=tickets.case&record_id=101", {0, 1}),
        ("?username=op_yamada", {0, 3}),
        ("?q=172.20.3.4", {2}),
        ("?q=%E4%BD%90%E8%97%A4", {1}),  # 佐藤 (display name)
        ("?action__exact=record_view&user__role__exact=department", {2}),
        ("?period_from=2026-11-10&period_until=2026-11-10", {1, 2}),
        ("?period_from=2026-11-03", {1, 2, 3}),
        ("?period_until=2026-11-02&username=op_yamada", {0}),
    ],
)
def test_admin_search_by_record_person_address_and_period(
    admin_client, views_of_cases, query, expected_indexes
):
    response = admin_client.get(LIST_URL + query)
    assert response.status_code == 200
    assert listed_ids(response) == {views_of_cases[i].pk for i in expected_indexes}


def test_a_period_that_is_not_a_date_is_refused(admin_client, views_of_cases):
    response = admin_client.get(LIST_URL + "?period_from=yesterday")
    assert response.status_code == 302
    assert "e=1" in response["Location"]


def test_nobody_can_add_change_or_delete_in_the_admin(admin_client, views_of_cases):
    event = views_of_cases[0]
    assert admin_client.get(LIST_URL + "add/").status_code == 403
    assert admin_client.get(f"{LIST_URL}{event.pk}/delete/").status_code == 403
    detail = admin_client.get(f"{LIST_URL}{event.pk}/change/")
    assert detail.status_code == 200  # view only
    assert 'name="_save"' not in detail.content.decode()
    posted = admin_client.post(f"{LIST_URL}{event.pk}/change/", {"record_id": "999"})
    assert posted.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).record_id == "101"


def test_export_of_one_record_as_csv_is_itself_audited(admin_client, admin_user, views_of_cases):
    response = admin_client.get(
        EXPORT_URL + "?record_type=tickets.case&record_id=101", REMOTE_ADDR="127.0.0.2"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    header, *rows = export_rows(response)
    assert header[:3] == ["日時", "操作", "ID"]
    assert rows == [
        [
            "2026-11-10 11:00:00",
            "個人情報の閲覧",
            "op_sato",
            "佐藤 健太",
            "オペレーター",
            "",
            "10.10.1.6",
            "tickets.case",
            "101",
            "caller_name、caller_phone",
            "",
            "",
        ],
        [
            "2026-11-02 10:00:00",
            "個人情報の閲覧",
            "op_yamada",
            "山田 花子",
            "オペレーター",
            "",
            "10.10.1.5",
            "tickets.case",
            "101",
            "caller_name、caller_phone",
            "",
            "",
        ],
    ]
    export = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORT)
    assert export.user == admin_user
    assert export.address == "127.0.0.2"
    assert export.detail == "query=record_type=tickets.case&record_id=101"


def test_export_of_one_person_defuses_formula_cells(admin_client, views_of_cases, staff_tobu):
    response = admin_client.get(EXPORT_URL + "?username=op_yamada")
    _, *rows = export_rows(response)
    assert [row[8] for row in rows] == ["202", "101"]
    assert rows[0][11] == "'=HYPERLINK()"
    departments = export_rows(admin_client.get(EXPORT_URL + f"?username={staff_tobu.username}"))
    assert departments[1][4:6] == ["所管課職員", "建設局 東部建設事務所"]


def test_export_link_carries_the_current_filter(admin_client, views_of_cases):
    body = admin_client.get(LIST_URL + "?username=op_yamada").content.decode()
    assert f'href="{EXPORT_URL}?username=op_yamada"' in body


@pytest.mark.parametrize("role", ["operator", "supervisor", "department"])
def test_staff_who_are_not_system_admins_cannot_see_the_trail(make_user, kobe, role):
    # Even with admin-site access and every permission, only the admin role sees it.
    user = make_user(
        f"powerful_{role}", role, kobe["kensetsu-tobu"] if role == "department" else None
    )
    user.is_staff = user.is_superuser = True
    user.save()
    audit_record(user=user, action=AuditAction.LOGIN)
    client = Client()
    client.force_login(user)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(EXPORT_URL).status_code == 403
    assert "監査ログ" not in client.get("/admin/").content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).exists()


def test_operators_without_admin_access_are_sent_away(operator):
    client = Client()
    client.force_login(operator)
    assert client.get(LIST_URL).status_code == 302
    assert client.get(EXPORT_URL).status_code == 302


def test_two_factor_requirement_is_admin_editable(admin_client):
    response = admin_client.post(
        "/admin/kobepost/twofactorrequirement/add/", {"role": User.Role.ADMIN}
    )
    assert response.status_code == 302
    assert list(TwoFactorRequirement.objects.values_list("role", flat=True)) == ["admin"]
