"""要配慮個人情報 and the audit trail of case pages: who saw which personal data, when."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kobepost.audit.models import AuditAction, AuditEvent
from tickets.models import Case
from tickets.services import case_reply
from tickets.tests.factories import make_case

SYMPTOM = "嘔吐と発熱"


@pytest.fixture
def food_case(operator):
    return make_case(
        operator,
        "food-poisoning",
        title="弁当で食中毒",
        caller_name="日向 太郎",
        caller_phone="078-331-8181",
        health_symptoms=SYMPTOM,
    )


def audit_rows(case: Case, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=action, record_type="tickets.case", record_id=str(case.pk))
    )


def test_detail_view_is_audited_with_the_fields_shown(login_client, supervisor, food_case):
    response = login_client(supervisor).get(reverse("callcenter:case_detail", args=[food_case.pk]))
    assert response.status_code == 200 and SYMPTOM in response.content.decode()
    [row] = audit_rows(food_case, AuditAction.RECORD_VIEW)
    assert row.user == supervisor
    assert row.path == f"/callcenter/cases/{food_case.pk}/"
    assert {"caller_name", "caller_phone", "health_symptoms"} <= set(row.fields)


def test_operator_view_is_audited_without_the_masked_health_field(
    login_client, operator, food_case
):
    page = login_client(operator).get(reverse("callcenter:case_detail", args=[food_case.pk]))
    assert SYMPTOM not in page.content.decode()
    [row] = audit_rows(food_case, AuditAction.RECORD_VIEW)
    assert "health_symptoms" not in row.fields and "caller_name" in row.fields


def test_other_department_sees_nothing_and_nothing_is_recorded(login_client, staff_tobu, food_case):
    response = login_client(staff_tobu).get(reverse("callcenter:case_detail", args=[food_case.pk]))
    assert response.status_code == 404
    assert audit_rows(food_case, AuditAction.RECORD_VIEW) == []


def test_print_is_audited_as_print_without_health(login_client, staff_eisei, food_case):
    response = login_client(staff_eisei).get(reverse("callcenter:case_print", args=[food_case.pk]))
    assert response.status_code == 200 and SYMPTOM not in response.content.decode()
    [row] = audit_rows(food_case, AuditAction.RECORD_PRINT)
    assert row.user == staff_eisei and "health_symptoms" not in row.fields
    assert audit_rows(food_case, AuditAction.RECORD_VIEW) == []


def test_callback_page_is_audited(login_client, operator, staff_eisei, food_case):
    case_reply(case=food_case, user=staff_eisei, reply_text="指導しました")
    response = login_client(operator).get(reverse("callcenter:case_callback", args=[food_case.pk]))
    assert response.status_code == 200
    [row] = audit_rows(food_case, AuditAction.RECORD_VIEW)
    assert row.fields == ["caller_name", "caller_phone"]


def test_case_list_never_shows_health_symptoms(login_client, supervisor, food_case):
    client = login_client(supervisor)
    page = client.get(client.post("/callcenter/cases/", {"q": "弁当"})["Location"])
    page = page.content.decode()
    assert "弁当で食中毒" in page and SYMPTOM not in page


def test_admin_masks_health_symptoms_and_audits_the_view(login_client, admin_user, food_case):
    client = login_client(admin_user)
    change = client.get(f"/admin/tickets/case/{food_case.pk}/change/")
    page = change.content.decode()
    assert change.status_code == 200
    assert SYMPTOM not in page and "管理画面には表示しません" in page
    assert 'name="health_symptoms"' not in page
    listing = client.get("/admin/tickets/case/?q=嘔吐")
    assert SYMPTOM not in listing.content.decode()
    assert food_case.reference not in listing.content.decode()  # not searchable by symptom
    [row] = audit_rows(food_case, AuditAction.RECORD_VIEW)
    assert row.user == admin_user


def test_admin_form_has_no_health_field_so_saving_keeps_it(rf, admin_user, food_case):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    case_admin = admin.site._registry[Case]
    form_class = case_admin.get_form(request, food_case)
    assert "health_symptoms" not in form_class.base_fields
    data = {k: v for k, v in form_class(instance=food_case).initial.items() if v is not None}
    received = timezone.localtime(food_case.received_at)
    data.update(received_at_0=f"{received:%Y-%m-%d}", received_at_1=f"{received:%H:%M:%S}")
    form = form_class({**data, "title": "弁当で食中毒（訂正）"}, instance=food_case)
    assert form.is_valid(), form.errors
    form.save()
    food_case.refresh_from_db()
    assert food_case.title == "弁当で食中毒（訂正）" and food_case.health_symptoms == SYMPTOM
