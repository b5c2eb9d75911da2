"""Retention over every store: attachments, KOBE ぽすと posts and photos, citizens, notes of
logged FAQ calls, the mail and notices about a disposed case, the audit trail, and files
deleted only after the erasure is committed."""

import datetime
import importlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import CaseAttachment, Department
from departments.services import case_attach_file
from faq.models import SimpleCall
from faq.services import call_log
from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.notifications.models import Notice, Notification
from kobepost.notifications.services import event_key, notification_queue
from kobepost.privacy import retention
from kobepost.privacy.models import DisposalItem, RetentionClass
from kobepost.privacy.tasks import purge_temporary_data
from kobepost.privacy.tests.conftest import PERSONAL, closed_case, jst
from kobepost.public.models import Citizen, Post, PostCategory, PostPhoto
from kobepost.public.photos import Redaction
from kobepost.public.services import (
    photo_redact,
    post_forward,
    post_link_case,
    post_mark_duplicate,
    post_reject,
)
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post
from tests.migration_state import apps_before_the_move
from tickets.models import Case, CaseEvent, Category, Dial
from tickets.services import case_change_status, case_reply
from tickets.tests.factories import make_case

LONG_AGO = jst(2015, 5, 1, 9)


def pdf_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("letter.pdf", f"%PDF-1.4\n({text})\n%%EOF".encode())


def listed(kind: str) -> set[int]:
    batch = retention.disposal_batch_prepare()
    if batch is None:
        return set()
    return set(batch.items.filter(kind=kind).values_list("record_id", flat=True))


# --- attachments -------------------------------------------------------------------------
def test_attachments_go_with_their_case_rows_files_and_folder(
    operator, staff_tobu, three_years, django_capture_on_commit_callbacks, admin_user
):
    case = closed_case(operator, staff_tobu, LONG_AGO)
    kept = make_case(operator, caller_name="保存 中")
    pdf = case_attach_file(
        case=case, user=staff_tobu, upload=pdf_upload("日向様の手紙"), description="日向様より"
    )
    photo = case_attach_file(case=case, user=staff_tobu, upload=jpeg_upload("日向宅.jpg"))
    # Anything else stored in the case's folder (a thumbnail) goes with it.
    derivative = default_storage.save(
        f"case-attachments/{case.pk}/thumb-{photo.pk}.jpg", ContentFile(b"\xff\xd8thumb")
    )
    kept_file = case_attach_file(case=kept, user=staff_tobu, upload=pdf_upload("残す"))
    files = [pdf.file.name, photo.file.name, derivative]
    assert all(default_storage.exists(name) for name in files)

    batch = retention.disposal_batch_prepare()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        batch = retention.disposal_batch_approve(batch=batch, user=admin_user)
    # Erased in the database, files still there until the commit.
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert not case.events.exclude(note="").exists()
    assert all(default_storage.exists(name) for name in files)
    for callback in after_commit:
        callback()

    assert not any(default_storage.exists(name) for name in files)
    assert not default_storage.exists(f"case-attachments/{case.pk}/")
    assert default_storage.exists(kept_file.file.name)
    assert CaseAttachment.objects.filter(case=kept).count() == 1
    batch.refresh_from_db()
    assert batch.file_count == 2 and batch.files_to_delete == []


def test_file_deletion_is_retried_by_the_daily_job_and_safe_to_repeat(
    operator, staff_tobu, three_years, approve, monkeypatch
):
    case = closed_case(operator, staff_tobu, LONG_AGO)
    stored = case_attach_file(case=case, user=staff_tobu, upload=pdf_upload("日向")).file.name

    def disk_error(name):
        raise PermissionError(f"cannot remove {name}")

    with monkeypatch.context() as patch:
        patch.setattr(default_storage, "delete", disk_error)
        batch = approve()
    batch.refresh_from_db()
    assert default_storage.exists(stored)
    assert stored in batch.files_to_delete
    assert case.attachments.count() == 0  # the record is erased all the same

    purge_temporary_data.delay().get()
    batch.refresh_from_db()
    assert not default_storage.exists(stored) and batch.files_to_delete == []
    assert retention.disposal_files_delete(batch_id=batch.pk) == 0


# --- KOBE ぽすと posts ------------------------------------------------------------------------
def test_forwarded_post_finishes_when_its_case_closes_and_expires_then(
    operator, supervisor, staff_tobu, three_years
):
    citizen = make_citizen()
    # A post category without a class of its own nor a ticket category: the case's class.
    post = make_post(citizen, category=PostCategory.objects.get(code="other"))
    case = post_forward(
        post=post,
        user=supervisor,
        category=Category.objects.get(code="road-damage"),
        department=Department.objects.get(code="kensetsu-tobu"),
        title="歩道に穴",
    )
    post.refresh_from_db()
    assert post.status == Post.Status.IN_PROGRESS
    far_future = datetime.date(2099, 4, 1)
    assert list(retention.expired_posts(far_future)) == []  # its case is open

    case = case_reply(case=case, user=staff_tobu, reply_text="補修しました。")
    case = case_change_status(case=case, user=operator, status=Case.Status.CITIZEN_ANSWERED)
    case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    post.refresh_from_db()
    closed_at = case.events.get(to_status=Case.Status.CLOSED).at
    assert post.status == Post.Status.DONE and post.updated_at == closed_at
    assert [p.pk for p in retention.expired_posts(far_future)] == [post.pk]

    case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_PROGRESS  # reopened: live again
    assert list(retention.expired_posts(far_future)) == []

    case = case_reply(case=case, user=staff_tobu, reply_text="再度補修しました。")
    case = case_change_status(case=case, user=operator, status=Case.Status.CITIZEN_ANSWERED)
    case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    Post.objects.filter(pk=post.pk).update(updated_at=LONG_AGO)
    [item] = retention.disposal_batch_prepare().items.filter(kind=DisposalItem.Kind.POST)
    assert item.record_id == post.pk and item.retention_class == "3年保存（3年）"


def test_post_linked_to_a_closed_case_is_finished_at_once(operator, staff_tobu, supervisor, kobe):
    case = closed_case(operator, staff_tobu, LONG_AGO)
    post = post_link_case(post=make_post(make_citizen()), user=supervisor, case=case)
    assert post.status == Post.Status.DONE


def test_post_category_class_comes_first_and_unclassified_posts_are_kept(three_years):
    one_year = RetentionClass.objects.create(name="1年保存", years=1)
    PostCategory.objects.filter(code="road-damage").update(retention_class=one_year)
    citizen = make_citizen()
    road = make_post(citizen, status=Post.Status.DONE)
    # 街灯: no class, no ticket category, no case: never disposed of.
    light = make_post(
        citizen, category=PostCategory.objects.get(code="street-light"), status=Post.Status.DONE
    )
    Post.objects.update(updated_at=jst(2024, 6, 1, 9))  # fiscal 2024: 1 year ends 2026-03-31

    assert list(retention.expired_posts(datetime.date(2026, 3, 31))) == []
    assert [p.pk for p in retention.expired_posts(datetime.date(2026, 4, 1))] == [road.pk]
    assert light.pk not in {p.pk for p in retention.expired_posts(datetime.date(2099, 4, 1))}


def test_rejected_and_duplicate_posts_expire_and_open_ones_never(supervisor, three_years):
    citizen = make_citizen()
    rejected = post_reject(post=make_post(citizen), user=supervisor, rejection="out_of_scope")
    original = make_post(citizen)
    duplicate = post_mark_duplicate(post=make_post(citizen), user=supervisor, original=original)
    Post.objects.update(updated_at=LONG_AGO)
    assert {p.pk for p in retention.expired_posts(datetime.date(2099, 4, 1))} == {
        rejected.pk,
        duplicate.pk,
    }


def test_disposed_post_loses_its_texts_photos_and_poster(supervisor, three_years, approve):
    citizen = make_citizen()
    post = make_post(citizen, photos=2, status=Post.Status.DONE, public_reply="日向様、補修済み")
    post_reject(post=post, user=supervisor, rejection="other_body", note="日向様へ県道と案内")
    files = list(post.photos.values_list("file_name", flat=True))
    Post.objects.filter(pk=post.pk).update(updated_at=LONG_AGO)

    batch = approve()

    post.refresh_from_db()
    assert (post.text, post.public_text, post.public_reply, post.rejection_note) == ("",) * 4
    assert post.citizen is None and post.nickname == "" and post.lat is None
    assert not PostPhoto.objects.filter(post=post).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert batch.post_count == 1 and batch.file_count == 2


def test_a_blurred_photo_goes_with_its_original(supervisor, three_years, approve):
    post = make_post(make_citizen(), photos=1, status=Post.Status.DONE)
    photo = post.photos.get()
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=50, h=50)])
    photo.refresh_from_db()
    files = [photo.file_name, photo.original_name]
    assert all(default_storage.exists(name) for name in files) and files[0] != files[1]
    Post.objects.filter(pk=post.pk).update(updated_at=LONG_AGO)

    batch = approve()

    assert not PostPhoto.objects.filter(post=post).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert batch.post_count == 1 and batch.file_count == 2


# --- citizens ------------------------------------------------------------------------------
def test_citizens_no_longer_needed_are_deleted_and_their_posts_stay_anonymous(
    supervisor, three_years, approve
):
    idle_finished = make_citizen("idle_finished")
    finished = post_reject(post=make_post(idle_finished), user=supervisor, rejection="spam")
    idle_live = make_citizen("idle_live")
    make_post(idle_live)  # still waiting for triage
    active = make_citizen("active")
    post_reject(post=make_post(active), user=supervisor, rejection="spam")
    Citizen.objects.exclude(pk=active.pk).update(last_login=jst(2020, 1, 10, 9))

    assert listed(DisposalItem.Kind.CITIZEN) == {idle_finished.pk}
    batch = approve()

    assert batch.citizen_count == 1
    assert set(Citizen.objects.values_list("login_id", flat=True)) == {"idle_live", "active"}
    finished.refresh_from_db()
    assert finished.citizen is None and finished.nickname == ""
    assert finished.text  # the post itself follows its own period
    assert [i.retention_class for i in batch.items.all()] == [retention.CITIZEN_RULE]


# --- notes of logged FAQ calls ---------------------------------------------------------------
def test_expired_call_notes_are_blanked_per_dial(operator, three_years, approve):
    roads = Dial.objects.get(code="roads")
    roads.retention_class = three_years
    roads.save()
    old = call_log(operator=operator, dial=roads, topic="道路の穴", note="日向 078-331-8181")
    recent = call_log(operator=operator, dial=roads, topic="道路の穴", note="日向 最近")
    # クリーン110番 has no class: its notes are kept.
    unclassified = call_log(
        operator=operator, dial=Dial.objects.get(code="clean110"), topic="粗大ごみ", note="日向"
    )
    SimpleCall.objects.exclude(pk=recent.pk).update(created_at=LONG_AGO)

    batch = retention.disposal_batch_prepare()
    [item] = batch.items.all()
    assert (item.kind, item.record_id, item.label) == ("call_notes", roads.pk, roads.name)
    assert item.expired_on == datetime.date(2019, 3, 31)
    batch = approve()

    assert batch.call_note_count == 1
    notes = dict(SimpleCall.objects.values_list("pk", "note"))
    assert notes == {old.pk: "", recent.pk: "日向 最近", unclassified.pk: "日向"}
    assert SimpleCall.objects.get(pk=old.pk).topic == "道路の穴"  # the statistics keep the call


# --- mail and notices about a disposed case ---------------------------------------------------
def test_mail_and_notices_about_a_disposed_case_are_erased(
    operator, staff_tobu, three_years, approve
):
    case = closed_case(operator, staff_tobu, LONG_AGO, title="日向さん宅前の穴")
    kept = make_case(operator, title="残る案件の件名")
    notification_queue(
        event_key=event_key("case", case.pk, "contractor", 1),
        kind=Notification.Kind.CONTRACTOR_REQUEST,
        recipients=["repair@kobe-doro.example"],
        subject="修理のご依頼",
        body=f"場所: {PERSONAL['address']}",
    )
    notification_queue(
        event_key=event_key("overdue", staff_tobu.department_id, "2015-04-10"),
        kind=Notification.Kind.OVERDUE_REMINDER,
        recipients=["tobu@city.kobe.example"],
        subject="期限超過",
        body=f"{case.reference} 日向さん宅前の穴\n{kept.reference} 残る案件の件名",
    )
    own = Notification.objects.filter(event_key__startswith=f"case:{case.pk}:")
    own.exclude(kind=Notification.Kind.CONTRACTOR_REQUEST).update(status=Notification.Status.SENT)
    Notification.objects.filter(kind=Notification.Kind.OVERDUE_REMINDER).update(
        status=Notification.Status.SENT
    )
    sent = set(own.filter(status=Notification.Status.SENT).values_list("pk", flat=True))

    def links(of: Case) -> list[str]:
        return [
            reverse(f"{app}:case_detail", args=[of.pk]) for app in ("departments", "callcenter")
        ]

    case_links = links(case)
    assert sent and Notice.objects.filter(link__in=case_links).exists()
    kept_mail = dict(
        Notification.objects.filter(event_key__startswith=f"case:{kept.pk}:").values_list(
            "pk", "body"
        )
    )
    kept_notices = Notice.objects.filter(link__in=links(kept)).count()

    approve()

    # Sent mail keeps its row (to whom, when) without a word of it; unsent mail is gone.
    assert set(own.values_list("pk", flat=True)) == sent
    assert set(own.values_list("subject", "body")) == {("", "")}
    reminder = Notification.objects.get(kind=Notification.Kind.OVERDUE_REMINDER)
    assert (reminder.subject, reminder.body) == ("", "")
    assert not Notice.objects.filter(link__in=case_links).exists()
    assert dict(Notification.objects.filter(pk__in=kept_mail).values_list("pk", "body")) == (
        kept_mail
    )
    assert Notice.objects.filter(link__in=links(kept)).count() == kept_notices > 0


# --- the audit trail ---------------------------------------------------------------------------
def test_audit_rows_outlive_the_disposal_and_hold_no_text_of_the_case(
    login_client, operator, supervisor, staff_tobu, three_years, approve
):
    case = closed_case(operator, staff_tobu, LONG_AGO)
    page = login_client(supervisor).get(reverse("callcenter:case_detail", args=[case.pk]))
    assert page.status_code == 200 and PERSONAL["caller_name"] in page.content.decode()
    views = AuditEvent.objects.filter(action=AuditAction.RECORD_VIEW, record_id=str(case.pk))
    before = list(views.values())
    assert before

    approve()

    assert list(views.values()) == before
    stored = repr(before)
    for value in PERSONAL.values():
        assert value not in stored


# --- data migration ----------------------------------------------------------------------------
def test_migration_finishes_posts_whose_case_closed_before_posts_followed(
    operator, staff_tobu, supervisor, kobe
):
    case = closed_case(operator, staff_tobu, LONG_AGO)
    post = post_link_case(post=make_post(make_citizen()), user=supervisor, case=case)
    open_case = make_case(operator)
    waiting = post_link_case(post=make_post(make_citizen("b")), user=supervisor, case=open_case)
    Post.objects.update(status=Post.Status.RECEIVED)  # as linked before this release
    migration = importlib.import_module(
        "kobepost.accounts.migrations.0007_post_category_retention_class"
    )

    migration.linked_posts_follow_their_cases(apps_before_the_move(), None)

    post.refresh_from_db()
    waiting.refresh_from_db()
    assert post.status == Post.Status.DONE and post.updated_at == LONG_AGO
    assert waiting.status == Post.Status.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case, at=LONG_AGO).exists()
