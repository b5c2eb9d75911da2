"""The audit trail's own retention: rows past AUDIT_RETENTION_YEARS are purged, nothing else."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.privacy.retention import audit_trail_purge

TODAY = datetime.date(2026, 12, 2)  # fiscal year 2026: with 5 years, rows before 2021-04-01 go


def written_at(year: int, month: int, day: int, detail: str) -> AuditEvent:
    moment = datetime.datetime(year, month, day, 23, 59, tzinfo=timezone.get_current_timezone())
    return AuditEvent.objects.create(
        occurred_at=moment,
        action=AuditAction.RECORD_VIEW,
        record_type="tickets.case",
        record_id="1",
        detail=detail,
    )


@pytest.fixture
def five_years(settings):
    settings.AUDIT_RETENTION_YEARS = 5


@pytest.mark.django_db
def test_rows_before_the_fiscal_year_cutoff_go_and_the_purge_is_recorded(five_years):
    expired = written_at(2021, 3, 31, "last day of fiscal 2020")
    kept = written_at(2021, 4, 1, "first day of fiscal 2021")
    deleted = audit_trail_purge(today=TODAY)
    assert deleted == 1
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert expired.pk not in remaining and kept.pk in remaining
    purge = AuditEvent.objects.get(action=AuditAction.AUDIT_PURGED)
    assert purge.detail == "1件（2021-04-01より前）"


@pytest.mark.django_db
def test_the_trail_is_append_only_again_after_a_purge(five_years):
    row = written_at(2010, 1, 1, "old")
    audit_trail_purge(today=TODAY)
    survivor = written_at(2011, 1, 1, "written after the purge")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM kobepost_auditevent WHERE id = %s", [survivor.pk])
    assert not AuditEvent.objects.filter(pk=row.pk).exists()
    assert AuditEvent.objects.filter(pk=survivor.pk).exists()


@pytest.mark.django_db
def test_the_command_reports_the_count(five_years, capsys):
    written_at(2015, 6, 1, "old")
    call_command("audit_purge", "--today", TODAY.isoformat())
    assert "監査ログ 1 件を削除しました。" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_database_keeps_rows_younger_than_a_year_whatever_the_cutoff_says():
    if connection.vendor != "postgresql":
        pytest.skip("the purge exception lives in the PostgreSQL trigger")
    recent = AuditEvent.objects.create(action=AuditAction.LOGIN, detail="yesterday")
    recent_id = recent.pk
    for statement in (
        "DELETE FROM kobepost_auditevent WHERE id = %s",
        "UPDATE kobepost_auditevent SET detail = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT set_config('kobepost.audit_purge_before', '2100-01-01', true)")
            cursor.execute(statement, [recent_id])
    assert AuditEvent.objects.get(pk=recent_id).detail == "yesterday"
