"""Models that moved to apps of their own keep their tables and rows (issue 16).

The database is taken back to the schema before the move (kobepost 0013, tickets 0021, the
new apps unapplied), filled through the models as they were then, and migrated forward again;
the rows must be there under the new apps, with the same ids, links and permissions.
"""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kobepost.accounts.models import User
from kobepost.audit.models import AuditEvent
from kobepost.audit.services import record_type_of
from kobepost.notifications.models import Notice
from kobepost.privacy.models import LegalHold, RetentionClass
from kobepost.public.models import Citizen

BEFORE_THE_MOVE = [
    ("kobepost", "0013_service_attributes"),
    ("tickets", "0021_case_status_rank_indexes"),
    ("audit", None),
    ("notifications", None),
    ("public", None),
    ("privacy", None),
]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_filled_before_the_move_are_found_after_it():
    permissions_before = Permission.objects.count()
    try:
        executor = migrate(BEFORE_THE_MOVE)
        old = executor.loader.project_state(BEFORE_THE_MOVE[:2]).apps
        staff = old.get_model("kobepost", "User").objects.create(username="old_admin", role="admin")
        ten_years = old.get_model("tickets", "RetentionClass").objects.create(
            name="十年保存", years=10
        )
        citizen = old.get_model("kobepost", "Citizen").objects.create(
            login_id="old_citizen",
            password="!",
            name="長田 太郎",
            name_kana="ナガタ タロウ",
            address="神戸市長田区",
            phone="078-000-0000",
            gender="male",
            birth_year=1970,
            occupation="employee",
            email="old@example.jp",
        )
        old.get_model("tickets", "LegalHold").objects.create(
            citizen=citizen, reason="開示請求", created_by=staff
        )
        audited = old.get_model("kobepost", "AuditEvent").objects.create(
            action="record_view",
            username="old_admin",
            record_type="kobepost.citizen",
            record_id=str(citizen.pk),
        )
        old.get_model("kobepost", "Notice").objects.create(
            title="古いお知らせ", link="/", to_callcenter=True
        )
        assert ContentType.objects.filter(app_label="kobepost", model="citizen").exists()
    finally:
        migrate(latest())

    assert RetentionClass.objects.get(pk=ten_years.pk).name == "十年保存"
    moved_citizen = Citizen.objects.get(pk=citizen.pk)
    assert moved_citizen.name_kana == "ナガタ タロウ"
    hold = LegalHold.objects.get(citizen=moved_citizen)
    assert hold.created_by == User.objects.get(username="old_admin")
    assert Notice.objects.filter(title="古いお知らせ").count() == 1
    # The audit row written before the move still finds the record by today's record type.
    event = AuditEvent.objects.get(pk=audited.pk)
    assert event.record_type == record_type_of(moved_citizen) == "kobepost.citizen"
    # Content types moved with the models: the permissions granted on them are the same rows.
    assert ContentType.objects.get_for_model(Citizen).app_label == "public"
    assert not ContentType.objects.filter(app_label="kobepost", model="citizen").exists()
    assert Permission.objects.count() == permissions_before
    assert Permission.objects.filter(content_type__app_label="privacy").count() >= 6 * 4
