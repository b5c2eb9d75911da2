"""``manage.py restore_check``: is the data the tool lives on really there after a restore?

Run by deploy/backup/restore-drill.sh on the restored copy (and useful after a real
restore). Row counts and file checksums are compared by the drill itself; this reads the
data as the application does: a sample of cases with their department, category and
history, the newest photos and attachments with their files in MEDIA_ROOT, and the newest
audit rows with their users. The last line, ``newest_change=<ISO 8601>``, is the newest
moment any row was written: the drill's recovery point. Exit status 1 on any problem.

After a point-in-time recovery the files come from the nightly archive: ``--files-before``
(the archive's time) expects files only for rows written before it.
"""

from datetime import datetime
from typing import cast

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models import Max
from django.utils import timezone

from departments.models import CaseAttachment
from kobepost.audit.models import AuditEvent
from kobepost.public.models import PostPhoto
from tickets.models import Case

# The project's own packages: every app inside them is ours, whatever its label.
OUR_PACKAGES = ("kobepost", "departments", "tickets", "callcenter", "faq")


def written_at_fields() -> list[tuple[type[models.Model], str]]:
    """Every "when was this row written" column: auto_now, auto_now_add or default now."""
    found = []
    for model in apps.get_models():
        if model._meta.app_config.name.partition(".")[0] not in OUR_PACKAGES:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField) and (
                field.auto_now or field.auto_now_add or field.default is timezone.now
            ):
                found.append((model, field.name))
    return found


def newest_change() -> tuple[datetime | None, str]:
    """The newest write time of any row (future values, e.g. a mistyped date, left out)."""
    now = timezone.now()
    newest, source = None, ""
    for model, name in written_at_fields():
        value = model._default_manager.filter(**{f"{name}__lte": now}).aggregate(newest=Max(name))[
            "newest"
        ]
        if value is not None and (newest is None or value > newest):
            newest, source = value, f"{model._meta.db_table}.{name}"
    return newest, source


class Command(BaseCommand):
    help = "Reads a sample of cases, photos and audit rows of a restored database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sample", type=int, default=20, help="rows of each kind")
        parser.add_argument(
            "--files-before",
            type=datetime.fromisoformat,
            default=None,
            help="ISO 8601: photos and attachments written later are not expected on disk",
        )

    def handle(self, *args, sample: int, files_before: datetime | None, **options) -> None:
        problems: list[str] = []
        half = max(sample // 2, 1)
        newest_cases = list(Case.objects.order_by("-pk").values_list("pk", flat=True)[:half])
        random_cases = list(Case.objects.order_by("?").values_list("pk", flat=True)[:half])
        cases = (
            Case.objects.filter(pk__in={*newest_cases, *random_cases})
            .select_related("department", "category", "dial")
            .prefetch_related("events")
        )
        events = 0
        for case in cases:
            # Reading the related rows is the check: a broken key would raise here.
            str(case.department), str(case.category), str(case.dial)
            events += len(case.events.all())
        self.stdout.write(
            f"{len(cases)} cases read with department, category and {events} history rows "
            f"({Case.objects.count()} cases in all)"
        )

        photos_rows, attachment_rows = PostPhoto.objects.all(), CaseAttachment.objects.all()
        later = 0
        if files_before is not None:
            later = (
                photos_rows.filter(created_at__gte=files_before).count()
                + attachment_rows.filter(uploaded_at__gte=files_before).count()
            )
            photos_rows = photos_rows.filter(created_at__lt=files_before)
            attachment_rows = attachment_rows.filter(uploaded_at__lt=files_before)
        photos = list(photos_rows.order_by("-pk")[:sample])
        missing = [
            name for p in photos for name in p.stored_names() if not default_storage.exists(name)
        ]
        attachments = list(attachment_rows.order_by("-pk")[:sample])
        for attachment in attachments:
            name = cast(str, attachment.file.name)  # a saved attachment has a name
            if not default_storage.exists(name) or default_storage.size(name) != attachment.size:
                missing.append(name)
        if missing:
            problems.append(f"files missing or of another size: {', '.join(missing[:10])}")
        self.stdout.write(
            f"{len(photos)} photos and {len(attachments)} attachments checked in MEDIA_ROOT, "
            f"{len(missing)} missing"
            + (f"; {later} written after the file archive, not expected in it" if later else "")
        )

        audit = list(AuditEvent.objects.select_related("user").order_by("-occurred_at")[:sample])
        for event in audit:
            str(event.user), event.get_action_display()
        self.stdout.write(
            f"{len(audit)} newest audit rows read ({AuditEvent.objects.count()} in all)"
        )

        newest, source = newest_change()
        if problems:
            raise CommandError("; ".join(problems))
        moment = timezone.localtime(newest).isoformat(timespec="seconds") if newest else ""
        self.stdout.write(f"newest change {moment or 'none'} ({source or 'no rows'})")
        self.stdout.write(f"newest_change={moment or timezone.localtime().isoformat()}")
