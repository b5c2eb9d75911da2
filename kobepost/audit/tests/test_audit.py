"""The audit trail records logins, logouts, failures, lockouts and refusals from real
requests, and the database itself refuses to change or delete an audit row."""

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client, override_settings

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.audit.services import audit_record, audit_shown, audit_stream, record_type_of
from tests.fixtures import TEST_PASSWORD

VPN = "10.10.1.5"
INTERNET = "203.0.113.9"
PROXY = "10.0.0.5"
NETWORKS = override_settings(
    CALLCENTER_NETWORKS=(ipaddress.ip_network("10.10.0.0/16"),),
    CITY_NETWORKS=(ipaddress.ip_network("172.20.0.0/16"),),
    ADMIN_NETWORKS=(ipaddress.ip_network("10.99.0.0/24"),),
    TRUSTED_PROXIES=(ipaddress.ip_network("10.0.0.5/32"),),
)


def post_login(username, password, **headers):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password}, **headers)
    return client, response


def only_event(**filters) -> AuditEvent:
    events = list(AuditEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


@NETWORKS
def test_login_is_recorded_with_user_and_address_seen_through_our_proxy(operator):
    _, response = post_login(
        operator.username, TEST_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VPN
    )
    assert response.status_code == 302
    event = only_event(action=AuditAction.LOGIN)
    assert event.user == operator
    assert event.username == "op_yamada"
    assert event.address == VPN
    assert event.path == "/login/"


def test_wrong_password_is_recorded_as_failed_login(operator):
    _, response = post_login(operator.username, "wrong-password", REMOTE_ADDR="127.0.0.7")
    assert response.status_code == 400
    event = only_event(action=AuditAction.LOGIN_FAILED)
    assert event.user == operator
    assert event.username == "op_yamada"
    assert event.address == "127.0.0.7"
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_failed_login_with_unknown_id_keeps_the_typed_id(db):
    post_login("no-such-person", "whatever-1234", REMOTE_ADDR="127.0.0.8")
    event = only_event(action=AuditAction.LOGIN_FAILED)
    assert event.user is None
    assert event.username == "no-such-person"
    assert event.address == "127.0.0.8"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_is_recorded_and_further_attempts_too(operator):
    for _ in range(2):
        post_login(operator.username, "wrong-password")
    _, third = post_login(operator.username, "wrong-password")
    assert third.status_code == 429
    _, with_right_password = post_login(operator.username, TEST_PASSWORD)
    assert with_right_password.status_code == 429
    actions = list(
        AuditEvent.objects.filter(username=operator.username)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.LOGIN_FAILED,
        AuditAction.LOGIN_FAILED,
        AuditAction.LOCKOUT,
        AuditAction.LOCKOUT,
    ]
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_logout_is_recorded(operator):
    client, _ = post_login(operator.username, TEST_PASSWORD, REMOTE_ADDR="127.0.0.9")
    response = client.post("/logout/", REMOTE_ADDR="127.0.0.9")
    assert response.status_code == 302
    event = only_event(action=AuditAction.LOGOUT)
    assert (event.user, event.address, event.detail) == (operator, "127.0.0.9", "")


def test_logout_from_the_admin_is_recorded(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert only_event(action=AuditAction.LOGOUT).user == admin_user
    assert client.get("/admin/").status_code == 302  # really signed out


def test_idle_logout_is_recorded(operator):
    start = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client, _ = post_login(operator.username, TEST_PASSWORD)
        traveller.shift(timedelta(minutes=31))
        response = client.get("/callcenter/")
    assert response.status_code == 302
    event = only_event(action=AuditAction.LOGOUT)
    assert event.user == operator
    assert event.detail == "idle timeout"


@NETWORKS
def test_network_refusal_is_recorded_for_a_signed_in_user(operator):
    client = Client()
    client.force_login(operator)
    response = client.get("/callcenter/", REMOTE_ADDR=INTERNET)
    assert response.status_code == 403
    event = only_event(action=AuditAction.NETWORK_REFUSED)
    assert (event.user, event.address, event.path) == (operator, INTERNET, "/callcenter/")
    assert event.detail == "role=operator"


@NETWORKS
def test_network_refusal_of_a_forged_header_records_the_real_peer(db):
    response = Client().get("/login/", REMOTE_ADDR=INTERNET, HTTP_X_FORWARDED_FOR=VPN)
    assert response.status_code == 403
    event = only_event(action=AuditAction.NETWORK_REFUSED)
    assert (event.user, event.username, event.address) == (None, "", INTERNET)


def test_permission_refusal_is_recorded(operator):
    client = Client()
    client.force_login(operator)
    response = client.get("/departments/", REMOTE_ADDR="127.0.0.3")
    assert response.status_code == 403
    event = only_event(action=AuditAction.PERMISSION_DENIED)
    assert (event.user, event.address, event.path) == (operator, "127.0.0.3", "/departments/")


def test_allowed_pages_write_no_audit_rows(operator):
    client = Client()
    client.force_login(operator)
    assert client.get("/callcenter/").status_code == 200
    assert not AuditEvent.objects.exists()


def test_record_access_api_for_later_features(rf, operator, kobe):
    department = kobe["kensetsu-tobu"]
    request = rf.get("/cases/1/print/", REMOTE_ADDR="127.0.0.4")
    request.user = operator
    event = audit_record(
        request=request,
        action=AuditAction.RECORD_PRINT,
        record_type=record_type_of(department),
        record_id=department.pk,
        fields=("name", "email"),
    )
    event.refresh_from_db()
    assert event.user == operator
    assert event.address == "127.0.0.4"
    assert event.record_type == "departments.department"
    assert event.record_id == str(department.pk)
    assert event.fields == ["name", "email"]
    assert event.fields_text == "name、email"


def test_records_shown_are_one_row_each_in_one_insert(rf, operator, django_assert_num_queries):
    request = rf.get("/callcenter/callbacks/", REMOTE_ADDR="127.0.0.5")
    request.user = operator
    with django_assert_num_queries(1):
        audit_shown(
            request, record_type="tickets.case", record_ids=[3, 1, 3, 2], fields=("caller_name",)
        )
    rows = AuditEvent.objects.order_by("id")
    assert [row.record_id for row in rows] == ["3", "1", "2"]
    assert {(r.user, r.address, r.path, r.action) for r in rows} == {
        (operator, "127.0.0.5", "/callcenter/callbacks/", AuditAction.RECORD_VIEW)
    }
    with django_assert_num_queries(0):
        audit_shown(request, record_type="tickets.case", record_ids=[], fields=("caller_name",))


def test_a_stream_is_recorded_as_it_is_sent(rf, operator, kobe, monkeypatch):
    monkeypatch.setattr("kobepost.audit.services.STREAM_CHUNK", 2)
    request = rf.get("/callcenter/cases/export/")
    request.user = operator
    departments = list(kobe.values())[:3]
    stream = audit_stream(
        request, iter(departments), record_type="departments.department", fields=("name",)
    )
    assert next(stream) == departments[0]
    assert not AuditEvent.objects.exists()  # written per chunk, not row by row
    next(stream), next(stream)
    assert AuditEvent.objects.count() == 2  # the first chunk
    assert list(stream) == []  # the end of the stream writes the rest
    recorded = AuditEvent.objects.values_list("record_id", "action")
    assert sorted(recorded) == sorted((str(d.pk), AuditAction.RECORD_EXPORT) for d in departments)


def test_unknown_action_is_refused(db):
    with pytest.raises(ValueError):
        audit_record(action="peek")


# --- append-only ----------------------------------------------------------------------


@pytest.fixture
def stored_event(operator):
    return audit_record(user=operator, action=AuditAction.RECORD_VIEW, record_id="7")


def test_the_model_refuses_to_change_or_delete(stored_event):
    stored_event.record_id = "8"
    with pytest.raises(PermissionDenied):
        stored_event.save()
    with pytest.raises(PermissionDenied):
        stored_event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=stored_event.pk).update(record_id="8")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()


def _refused_by_database(statement):
    with pytest.raises((DatabaseError, IntegrityError)) as caught, transaction.atomic():
        statement()
    assert "append-only" in str(caught.value)


def test_the_database_refuses_update_and_delete_through_the_orm(stored_event):
    # _base_manager bypasses the model's own guard: the database's triggers must hold.
    rows = AuditEvent._base_manager.filter(pk=stored_event.pk)
    _refused_by_database(lambda: rows.update(record_id="8"))
    _refused_by_database(lambda: rows._raw_delete(rows.db))
    assert AuditEvent.objects.get(pk=stored_event.pk).record_id == "7"


def test_the_database_refuses_update_and_delete_in_raw_sql(stored_event):
    def run(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [stored_event.pk])

    _refused_by_database(
        lambda: run("UPDATE kobepost_auditevent SET record_id = 'x' WHERE id = %s")
    )
    _refused_by_database(lambda: run("DELETE FROM kobepost_auditevent WHERE id = %s"))
    assert AuditEvent.objects.filter(pk=stored_event.pk, record_id="7").exists()


def test_the_triggers_exist_on_this_database(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'kobepost_auditevent'::regclass"
                " AND NOT tgisinternal ORDER BY tgname"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'kobepost_auditevent' ORDER BY name"
            )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["kobepost_auditevent_no_delete", "kobepost_auditevent_no_update"]


def test_an_account_in_the_audit_trail_cannot_be_deleted(stored_event, operator):
    with pytest.raises(ProtectedError):
        operator.delete()


@pytest.mark.django_db(transaction=True)
def test_a_full_flush_empties_the_trail_and_leaves_it_append_only(operator):
    # The test runner flushes between transactional tests; audit rows must not stop it.
    audit_record(user=operator, action=AuditAction.LOGIN)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    event = audit_record(action=AuditAction.LOGIN_FAILED, username="after-flush")
    with pytest.raises((DatabaseError, IntegrityError)), connection.cursor() as cursor:
        cursor.execute("DELETE FROM kobepost_auditevent WHERE id = %s", [event.pk])
