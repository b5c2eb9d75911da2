"""After a disposal batch is approved, no store of the tool keeps the disposed records'
personal data: a pg_dump of the database, every file under MEDIA_ROOT and every mail the
SMTP server received hold none of it, and the disposal record remains.

The personal strings are generated (names, kana, phone numbers, e-mail addresses, places,
texts), so the test cannot pass by knowing what it looks for. Records still within their
period carry generated strings too, which the same scan must find: a scan that reads
nothing cannot pass either.

What mail may carry at all is the outbound policy's, tested with the mail flows; here the
titles carry no personal data, so that the spool checks what disposal owns: the mail still
waiting in the outbox when its case is disposed of is never sent.
"""

import importlib
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from departments.models import Contractor, Department
from departments.services import (
    case_add_internal_note,
    case_attach_file,
    case_request_contractor,
    contractor_mail,
)
from faq.models import SimpleCall
from faq.services import call_log
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Call, Pbx
from kobepost.lib.textfold import fold
from kobepost.notifications.models import Notification
from kobepost.notifications.services import notification_relay, notification_resend
from kobepost.privacy.models import DisposalBatch, DisposalItem, RetentionClass
from kobepost.privacy.retention import disposal_batch_prepare
from kobepost.privacy.tests.conftest import jst
from kobepost.public.models import Citizen, Post, PostCategory
from kobepost.public.photos import clean_photo
from kobepost.public.services import post_forward, post_reject, post_respond
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post
from tests.fixtures import service_missing
from tests.migration_state import apps_before_the_move
from tickets.models import Case, CaseEvent, Category, Dial
from tickets.services import case_change_status, case_record_citizen_callback, case_reply
from tickets.tests.factories import make_case

LONG_AGO = jst(2015, 5, 1, 9)
KATAKANA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
)


@dataclass
class Secrets:
    """Generated personal strings, remembered by what they stand for."""

    rng: random.Random
    values: dict[str, str] = field(default_factory=dict)

    def kanji(self, what: str, length: int = 4) -> str:
        return self._keep(
            what, "".join(chr(self.rng.randint(0x4E00, 0x9FA5)) for _ in range(length))
        )

    def kana(self, what: str, length: int = 6) -> str:
        return self._keep(what, "".join(self.rng.choice(KATAKANA) for _ in range(length)))

    def phone(self, what: str, area: str = "078") -> str:
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(7))
        self._keep(f"{what} (digits)", f"{area}{digits}")
        return self._keep(what, f"{area}-{digits[:3]}-{digits[3:]}")

    def ascii(self, what: str, length: int = 12) -> str:
        return self._keep(
            what, "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(length))
        )

    def email(self, what: str) -> str:
        return self._keep(what, f"{self.ascii(f'{what} local part')}@example.jp")

    def person(self, what: str) -> tuple[str, str]:
        # Three characters at least: a random pair could occur in any Japanese text.
        name = f"{self.kanji(f'{what} surname', 3)} {self.kanji(f'{what} given', 3)}"
        self._keep(f"{what} name", name)
        self._keep(f"{what} name without space", name.replace(" ", ""))
        kana = f"{self.kana(f'{what} kana surname')} {self.kana(f'{what} kana given')}"
        return name, self._keep(f"{what} kana", kana)

    def _keep(self, what: str, value: str) -> str:
        self.values[what] = value
        return value

    def searched_forms(self) -> dict[str, str]:
        """Each string, and its spelling in the search columns where that differs."""
        forms = dict(self.values)
        for what, value in self.values.items():
            folded = fold(value)
            if folded != value:
                forms[f"{what} (search spelling)"] = folded
        return forms


def found(secrets: dict[str, str], stores: dict[str, str]) -> list[str]:
    hits = []
    for store, text in stores.items():
        for what, value in secrets.items():
            at = text.find(value)
            if at >= 0:
                hits.append(f"{what} {value!r} in {store}: …{text[max(at - 60, 0) : at + 60]!r}…")
    return hits


def pg_dump() -> str:
    settings = connection.settings_dict
    command = [
        "pg_dump",
        "--no-owner",
        "--host",
        settings["HOST"] or "127.0.0.1",
        "--port",
        str(settings["PORT"] or 5432),
        "--username",
        settings["USER"] or "postgres",
        settings["NAME"],
    ]
    env = {"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {}
    result = subprocess.run(
        command, capture_output=True, check=True, env={**env, "PATH": "/usr/bin:/bin"}
    )
    return result.stdout.decode("utf-8")


def media_files(root: Path) -> dict[str, str]:
    return {
        f"media {path.relative_to(root)}": path.read_bytes().decode("utf-8", errors="replace")
        for path in root.rglob("*")
        if path.is_file()
    }


def received_mail(smtp_server) -> dict[str, str]:
    stores = {}
    for number, message in enumerate(smtp_server.messages):
        parts = [str(message["Subject"]), message.as_string()]
        parts += [
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        ]
        stores[f"mail {number} to {message['To']}"] = "\n".join(parts)
    return stores


@pytest.fixture
def post_categories(transactional_db):
    """The post categories a migration seeds: an earlier transactional test may have flushed
    them, as this one will."""
    seeding = importlib.import_module("kobepost.accounts.migrations.0002_citizen")
    seeding.seed_post_categories(apps_before_the_move(), None)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        service_missing(
            "the disposal dump test reads the database with pg_dump: PostgreSQL only "
            "(set DATABASE_URL=postgres://…)"
        )
    if shutil.which("pg_dump") is None:
        service_missing("pg_dump is not installed (apt-get install postgresql-client)")


def test_after_approval_no_store_keeps_the_disposed_personal_data(
    postgresql,
    transactional_db,
    post_categories,
    settings,
    mail_settings,
    smtp_server,
    private_media,
    login_client,
    operator,
    supervisor,
    staff_tobu,
    staff_eisei,
    admin_user,
):
    seed = random.SystemRandom().randrange(2**32)
    secrets = Secrets(random.Random(seed))
    kept = Secrets(random.Random(seed + 1))
    five_years = RetentionClass.objects.create(name="5年保存", years=5)
    Dial.objects.update(retention_class=five_years)
    PostCategory.objects.update(retention_class=five_years)
    road = Category.objects.get(code="road-damage")
    tobu = Department.objects.get(code="kensetsu-tobu")

    # A phone call about a road: every free text of a case and its timeline.
    name, kana = secrets.person("caller")
    case = make_case(
        operator,
        title="歩道に穴があいている",
        caller_name=name,
        caller_kana=kana,
        caller_phone=secrets.phone("caller phone"),
        address=f"東灘区住吉東町1丁目 {secrets.kanji('address')}方",
        details=f"{name}さんより。{secrets.kanji('details')} {secrets.email('caller e-mail')}",
        urgent=True,
        urgent_contact=f"{secrets.kanji('urgent contact', 3)}係長",
    )
    case_add_internal_note(case=case, user=staff_tobu, note=secrets.kanji("internal note"))
    case_attach_file(
        case=case,
        user=staff_tobu,
        upload=jpeg_upload(f"{secrets.kanji('photo file name')}.jpg"),
        description=secrets.kanji("photo description"),
    )
    pdf = f"%PDF-1.4\n({secrets.kanji('letter content')})\n%%EOF".encode()
    case_attach_file(case=case, user=staff_tobu, upload=SimpleUploadedFile("a.pdf", pdf))
    # The contractor's mail server refuses it: the request waits in the outbox as failed.
    smtp_server.reject_recipients()
    contractor = Contractor.objects.get(name="神戸道路補修株式会社")
    note = secrets.kanji("contractor note")
    case_request_contractor(
        case=case,
        user=staff_tobu,
        contractor=contractor,
        note=note,
        # What the preview showed the sender (departments.views asks before sending).
        confirmed_digest=contractor_mail(case, contractor, note).digest,
    )
    smtp_server.reject_recipients(False)
    case = case_reply(case=case, user=staff_tobu, reply_text=secrets.kanji("reply"))
    case = case_record_citizen_callback(
        case=case,
        user=operator,
        told_at=case.replied_at,
        method="phone",
        note=secrets.kanji("call-back note"),
    )
    case_change_status(case=case, user=operator, status=Case.Status.CLOSED)

    # A health case: the symptoms (要配慮個人情報), seen by the department (audited).
    health_name, health_kana = secrets.person("health caller")
    health = make_case(
        operator,
        "food-poisoning",
        title="飲食店で食事後に体調不良",
        caller_name=health_name,
        caller_kana=health_kana,
        caller_phone=secrets.phone("health caller phone", "090"),
        health_symptoms=secrets.kanji("symptoms"),
        reply_needed=False,
    )
    health = case_reply(case=health, user=staff_eisei, reply_text="立入検査しました。")
    case_change_status(case=health, user=operator, status=Case.Status.CLOSED)

    # KOBE ぽすと: a citizen, a post answered in public, one rejected, one forwarded.
    citizen_name, citizen_kana = secrets.person("citizen")
    citizen = make_citizen(
        secrets.ascii("citizen login"),
        name=citizen_name,
        name_kana=citizen_kana,
        address=f"神戸市中央区加納町 {secrets.kanji('citizen address')}",
        phone=secrets.phone("citizen phone"),
        email=secrets.email("citizen e-mail"),
        nickname=secrets.kana("nickname", 6),
    )
    answered = make_post(
        citizen,
        photos=1,
        text=secrets.kanji("post text"),
        address=secrets.kanji("post place"),
    )
    post_respond(
        post=answered,
        user=supervisor,
        public_text=secrets.kanji("public text"),
        public_reply=secrets.kanji("public reply"),
        status=Post.Status.DONE,
        repair_photos=[clean_photo(jpeg_upload())],
    )
    post_reject(
        post=make_post(citizen, text=secrets.kanji("rejected post text")),
        user=supervisor,
        rejection=Post.Rejection.OTHER_BODY,
        note=secrets.kanji("rejection note"),
    )
    forwarded = make_post(citizen, photos=1, text=secrets.kanji("forwarded post text"))
    forwarded_case = post_forward(
        post=forwarded, user=supervisor, category=road, department=tobu, title="歩道の段差"
    )
    forwarded_case = case_reply(case=forwarded_case, user=staff_tobu, reply_text="補修しました。")
    forwarded_case = case_record_citizen_callback(
        case=forwarded_case, user=supervisor, told_at=forwarded_case.replied_at, method="phone"
    )
    case_change_status(case=forwarded_case, user=supervisor, status=Case.Status.CLOSED)

    # A logged FAQ call with a note.
    call_log(
        operator=operator,
        dial=road.dial,
        topic="道路の穴の連絡先",
        note=f"{secrets.kanji('call note')} {secrets.phone('call note phone')}",
    )

    # A call in the phone system's journal (kobepost.cti): the caller's number.
    pbx = Pbx(name="本庁 PBX")
    pbx.issue_token()
    pbx.save()
    ring_call(
        pbx,
        "dump-call",
        at=timezone.now(),
        caller=secrets.phone("journal caller phone"),
        dial_id=road.dial_id,
        extension="201",
        outcome="answered",
    )

    # Records within their period, with strings of their own: they must stay.
    kept_name, kept_kana = kept.person("kept caller")
    kept_case = make_case(operator, caller_name=kept_name, caller_kana=kept_kana)
    kept_citizen = make_citizen("kept_citizen", name=kept.kanji("kept citizen name"))
    make_post(kept_citizen, text=kept.kanji("kept post text"))

    # Viewing personal data leaves audit rows, which outlive the disposal.
    pages = login_client(supervisor)
    for shown in (case, health, forwarded_case, kept_case):
        assert pages.get(reverse("callcenter:case_detail", args=[shown.pk])).status_code == 200
    eisei = login_client(staff_eisei)
    assert eisei.get(reverse("departments:case_detail", args=[health.pk])).status_code == 200

    # Years pass.
    disposed_cases = [case.pk, health.pk, forwarded_case.pk]
    CaseEvent.objects.filter(case__in=disposed_cases, to_status=Case.Status.CLOSED).update(
        at=LONG_AGO
    )
    Post.objects.filter(citizen=citizen).update(updated_at=LONG_AGO)
    Citizen.objects.filter(pk=citizen.pk).update(last_login=LONG_AGO)
    SimpleCall.objects.update(created_at=LONG_AGO)
    Call.objects.update(started_at=LONG_AGO, answered_at=LONG_AGO, ended_at=LONG_AGO)
    assert smtp_server.messages, "the flows mailed the departments and the call center"
    failed = Notification.objects.get(status=Notification.Status.FAILED)
    assert secrets.values["contractor note"] in failed.body

    before = found(secrets.values, {"database": pg_dump()})
    for what in (
        "caller name",
        "details",
        "symptoms",
        "post text",
        "citizen phone",
        "call note",
        "journal caller phone",
    ):
        assert any(hit.startswith(f"{what} ") for hit in before), f"{what} is in the dump"

    # The nightly list, approved by an administrator in the admin.
    batch = disposal_batch_prepare()
    listed = set(batch.items.values_list("kind", "record_id"))
    assert {("case", pk) for pk in disposed_cases} <= listed
    assert ("citizen", citizen.pk) in listed
    assert {kind for kind, _ in listed} == set(DisposalItem.Kind.values)
    response = login_client(admin_user).post(
        "/admin/privacy/disposalbatch/",
        {"action": "approve_disposal", "_selected_action": [batch.pk]},
    )
    assert response.status_code == 302
    # Whatever is still pending in the outbox would go now.
    for row in Notification.objects.filter(status=Notification.Status.FAILED):
        notification_resend(notification=row)
    settings.NOTIFICATION_RELAY_AFTER_SECONDS = 0
    notification_relay()

    dump = pg_dump()
    stores = {"database": dump, **media_files(private_media), **received_mail(smtp_server)}
    assert found(secrets.searched_forms(), stores) == [], f"random seed {seed}"

    # The disposal record remains; the records within their period too.
    batch.refresh_from_db()
    assert batch.status == DisposalBatch.Status.DISPOSED and batch.approved_by == admin_user
    assert batch.case_count == 3 and batch.citizen_count == 1 and batch.call_note_count == 1
    assert batch.call_number_count == 1
    for pk in disposed_cases:
        reference = Case.objects.get(pk=pk).reference
        assert reference in dump
        assert batch.items.filter(kind="case", label=reference, outcome="disposed").exists()
    still_kept = found(kept.values, {"database": dump})
    for what in ("kept caller name", "kept caller kana", "kept citizen name", "kept post text"):
        assert any(hit.startswith(f"{what} ") for hit in still_kept), f"{what} is kept"
