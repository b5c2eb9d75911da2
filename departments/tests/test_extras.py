"""Attachments, canned replies, department intake, contractors from the call center, agencies."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from departments.models import CannedReply, CaseAttachment, Contractor, RelatedAgency
from departments.tests.outside_mail import preview_and_send
from kobepost.notifications.models import Notification
from tickets.models import Case, CaseEvent, Category, IntakeToken
from tickets.tests.factories import make_case


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def road_case(operator):
    return make_case(
        operator,
        title="街灯が消えている",
        details="山田 太郎さん宅の前の街灯",
        caller_name="山田 太郎",
        caller_phone="090-1234-5678",
        latitude=34.72,
        longitude=135.26,
        ward="28101",
        address="東灘区本山北町3丁目",
    )


def photo_upload(name: str = "IMG_0001.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_photo_is_attached_reencoded_and_served_to_allowed_users_only(
    login_client, staff_tobu, staff_seibu, operator, road_case
):
    client = login_client(staff_tobu)
    response = client.post(
        reverse("departments:case_attach", args=[road_case.pk]),
        {"attach-file": photo_upload(), "attach-description": "補修後"},
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert attachment.is_image and attachment.content_type == "image/jpeg"
    assert "IMG_0001" not in attachment.file.name
    assert road_case.events.filter(kind=CaseEvent.Kind.ATTACHMENT).exists()
    download = reverse("departments:attachment", args=[attachment.pk])
    served = client.get(download)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    assert login_client(operator).get(download).status_code == 200
    assert login_client(staff_seibu).get(download).status_code == 404


def test_not_a_photo_is_refused_in_japanese(login_client, staff_tobu, road_case):
    response = login_client(staff_tobu).post(
        reverse("departments:case_attach", args=[road_case.pk]),
        {"attach-file": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10)},
    )
    assert response.status_code == 400
    assert "写真（JPEG・PNG）と PDF だけです" in response.content.decode()
    assert not CaseAttachment.objects.exists()


def test_department_adds_and_edits_own_canned_reply(login_client, staff_tobu, staff_seibu):
    category = Category.objects.get(code="streetlight")
    client = login_client(staff_tobu)
    response = client.post(
        reverse("departments:canned_list"),
        {
            "category": category.pk,
            "title": "球切れ",
            "text": "電球を交換しました。",
            "sort_order": 0,
            "active": "on",
        },
    )
    assert response.status_code == 302
    canned = CannedReply.objects.get(title="球切れ")
    assert canned.department == staff_tobu.department
    edit = reverse("departments:canned_edit", args=[canned.pk])
    response = client.post(
        edit,
        {"category": category.pk, "title": "球切れ", "text": "交換済みです。", "sort_order": 1},
    )
    assert response.status_code == 302
    canned.refresh_from_db()
    assert canned.text == "交換済みです。" and not canned.active
    assert login_client(staff_seibu).get(edit).status_code == 404
    assert client.put(edit).status_code == 405


def test_canned_reply_of_another_department_category_is_refused(login_client, staff_tobu):
    other = Category.objects.get(code="park-equipment")
    response = login_client(staff_tobu).post(
        reverse("departments:canned_list"),
        {"category": other.pk, "title": "x", "text": "y", "sort_order": 0},
    )
    assert response.status_code == 400
    assert not CannedReply.objects.filter(title="x").exists()


def department_intake(client, **changes):
    """GET the department's intake form, then POST it (a 街灯 case) with ``changes``."""
    import re

    page = client.get(reverse("departments:case_create")).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {
        "form_token": token,
        "kind": "report",
        "channel": "counter",
        "received_at": "2026-11-20T10:15",
        "category": Category.objects.get(code="streetlight").pk,
        "title": "窓口で聞いた街灯の件",
        "reply_needed": "on",
        **changes,
    }
    return client.post(reverse("departments:case_create"), data)


def test_department_intake_presets_department_and_channel(
    login_client, staff_tobu, django_capture_on_commit_callbacks
):
    client = login_client(staff_tobu)
    with django_capture_on_commit_callbacks(execute=True):
        response = department_intake(client)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("departments:case_detail", args=[case.pk])
    assert case.department == staff_tobu.department and case.channel == "counter"
    assert case.created_by == staff_tobu
    assert case.reply_due_date is not None
    assert [m.to for m in mail.outbox] == [staff_tobu.department.email_list]


def test_operator_requests_a_contractor_from_the_callcenter_page(
    login_client, operator, road_case, django_capture_on_commit_callbacks
):
    client = login_client(operator)
    detail = reverse("callcenter:case_detail", args=[road_case.pk])
    assert "業者へ依頼" in client.get(detail).content.decode()
    contractor = Contractor.objects.get(name="神戸道路補修株式会社")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response, shown = preview_and_send(
            client,
            reverse("departments:case_contractor", args=[road_case.pk]),
            {"contractor-contractor": contractor.pk},
        )
    assert response.status_code == 302 and response.url == detail
    [message] = mail.outbox
    assert message.to == [contractor.email]
    assert message.body == shown
    assert "https://maps.gsi.go.jp/#17/34.720000/135.260000/" in message.body
    assert "東灘区本山北町3丁目" in message.body
    assert "山田" not in message.body and "090-1234-5678" not in message.body
    assert "〔削除: 氏名〕さん宅の前の街灯" in message.body
    assert road_case.events.filter(kind=CaseEvent.Kind.CONTRACTOR).exists()


def test_operator_contractor_request_without_contractor_keeps_the_note(
    login_client, operator, road_case
):
    mail.outbox.clear()
    response = login_client(operator).post(
        reverse("departments:case_contractor", args=[road_case.pk]),
        {"contractor-note": "夜間の作業をお願いします"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "依頼する業者を選んでください。" in page and "夜間の作業をお願いします" in page
    assert mail.outbox == []
    assert not road_case.events.filter(kind=CaseEvent.Kind.CONTRACTOR).exists()


def test_contractor_of_other_departments_is_refused(login_client, staff_tobu, road_case):
    other = Contractor.objects.get(name="須磨環境クリーン")
    response = login_client(staff_tobu).post(
        reverse("departments:case_contractor", args=[road_case.pk]),
        {"contractor-contractor": other.pk},
    )
    assert response.status_code == 400
    assert not Notification.objects.filter(kind=Notification.Kind.CONTRACTOR_REQUEST).exists()


def test_agency_handover_is_recorded_and_optionally_mailed(
    login_client, staff_tobu, road_case, django_capture_on_commit_callbacks
):
    agency = RelatedAgency.objects.get(name="国土交通省 兵庫国道事務所")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response, shown = preview_and_send(
            login_client(staff_tobu),
            reverse("departments:case_agency", args=[road_case.pk]),
            {
                "agency-agency": agency.pk,
                "agency-handed_at": "2026-04-01T09:30",
                "agency-method": "email",
                "agency-note": "国道2号のため",
                "agency-send_mail": "on",
            },
        )
    assert response.status_code == 302
    event = road_case.events.get(kind=CaseEvent.Kind.AGENCY_HANDOVER)
    assert "兵庫国道事務所" in event.note and "電子メール" in event.note
    [message] = mail.outbox
    assert message.to == [agency.email] and "山田" not in message.body
    assert message.body == shown and "国道2号のため" in message.body


def test_department_intake_refuses_a_point_outside_kobe_keeping_the_input(login_client, staff_tobu):
    response = department_intake(login_client(staff_tobu), latitude="34.6937", longitude="135.5023")
    assert response.status_code == 400
    text = response.content.decode()
    assert "神戸市外です" in text and 'value="窓口で聞いた街灯の件"' in text
    assert not Case.objects.exists()


def test_department_intake_saved_twice_makes_one_case(login_client, staff_tobu):
    client = login_client(staff_tobu)
    assert department_intake(client).status_code == 302
    case = Case.objects.get()
    token = IntakeToken.objects.get(case=case).token
    again = client.post(
        reverse("departments:case_create"),
        {"form_token": token, "title": "窓口で聞いた街灯の件（二度目）"},
    )
    assert again.status_code == 409 and Case.objects.count() == 1
    text = again.content.decode()
    assert "この受付は既に保存されています" in text
    assert f'href="{reverse("departments:case_detail", args=[case.pk])}"' in text
    assert 'value="窓口で聞いた街灯の件（二度目）"' in text
