import pytest
from django.urls import reverse
from django.utils import timezone

from tickets.models import Case, CaseEvent
from tickets.services import case_reply
from tickets.tests.factories import make_case


def detail(case: Case, name: str = "case_detail") -> str:
    return reverse(f"callcenter:{name}", args=[case.pk])


@pytest.fixture
def food_case(operator):
    return make_case(operator, "food-poisoning", title="弁当で食中毒", health_symptoms="嘔吐と発熱")


def test_detail_shows_fields_and_timeline(login_client, operator, food_case):
    response = login_client(operator).get(detail(food_case))
    page = response.content.decode()
    assert response.status_code == 200
    assert food_case.reference in page and "弁当で食中毒" in page
    assert "経過" in page and "山田 花子" in page


def test_operator_sees_health_symptoms_masked(login_client, operator, food_case):
    page = login_client(operator).get(detail(food_case)).content.decode()
    assert "嘔吐" not in page and "要配慮個人情報" in page


@pytest.mark.parametrize("who", ["supervisor", "staff_eisei"])
def test_supervisor_and_department_see_health_symptoms(request, login_client, food_case, who):
    user = request.getfixturevalue(who)
    assert "嘔吐と発熱" in login_client(user).get(detail(food_case)).content.decode()


def test_print_view_never_prints_health_symptoms(login_client, supervisor, food_case):
    response = login_client(supervisor).get(detail(food_case, "case_print"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "案件票" in page and "嘔吐" not in page and "印刷しません" in page


def test_other_department_gets_404(login_client, staff_tobu, food_case):
    client = login_client(staff_tobu)
    assert client.get(detail(food_case)).status_code == 404
    assert client.get(detail(food_case, "case_print")).status_code == 404
    response = client.post(detail(food_case, "case_status"), {"status": "in_progress"})
    assert response.status_code == 404
    food_case.refresh_from_db()
    assert food_case.status == Case.Status.RECEIVED


def test_admin_gets_403(login_client, admin_user, food_case):
    assert login_client(admin_user).get(detail(food_case)).status_code == 403


def test_department_starts_work(login_client, staff_eisei, food_case):
    client = login_client(staff_eisei)
    assert "対応を開始する" in client.get(detail(food_case)).content.decode()
    response = client.post(detail(food_case, "case_status"), {"status": "in_progress"})
    assert response.status_code == 302
    food_case.refresh_from_db()
    assert food_case.status == Case.Status.IN_PROGRESS
    assert food_case.events.last().actor == staff_eisei


def test_status_not_offered_to_the_role_is_403(login_client, operator, staff_eisei, food_case):
    # Operators do not start the department's work; department staff do not close cases.
    response = login_client(operator).post(
        detail(food_case, "case_status"), {"status": "in_progress"}
    )
    assert response.status_code == 403
    case_reply(case=food_case, user=staff_eisei, reply_text="指導しました")
    response = login_client(staff_eisei).post(
        detail(food_case, "case_status"), {"status": "closed"}
    )
    assert response.status_code == 403


def test_operator_closes_direct_answer_case_and_reopens(login_client, operator, staff_eisei):
    case = make_case(operator, "food-poisoning", direct_answer=True)
    case_reply(case=case, user=staff_eisei, reply_text="直接回答済み")
    client = login_client(operator)
    assert "完了にする" in client.get(detail(case)).content.decode()
    client.post(detail(case, "case_status"), {"status": "closed", "note": "確認済"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.events.last().note == "確認済"
    client.post(detail(case, "case_status"), {"status": "in_progress"})
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    assert case.events.last().kind == CaseEvent.Kind.REOPEN


def test_status_change_wrong_method(login_client, operator, food_case):
    assert login_client(operator).get(detail(food_case, "case_status")).status_code == 405


def test_transfer_by_operator(login_client, operator, food_case, kobe):
    response = login_client(operator).post(
        detail(food_case, "case_transfer"),
        {"department": kobe["dobutsu"].pk, "note": "動物の件でした"},
    )
    assert response.status_code == 302
    food_case.refresh_from_db()
    assert food_case.department == kobe["dobutsu"]
    assert food_case.events.last().kind == CaseEvent.Kind.TRANSFER


def test_transfer_to_same_department_refused_with_message(login_client, operator, food_case, kobe):
    client = login_client(operator)
    response = client.post(
        detail(food_case, "case_transfer"), {"department": kobe["eisei-kanshi"].pk}, follow=True
    )
    assert "同じ所管課には移管できません。" in response.content.decode()


def test_transfer_by_other_department_is_404(login_client, staff_tobu, food_case, kobe):
    response = login_client(staff_tobu).post(
        detail(food_case, "case_transfer"), {"department": kobe["kensetsu-tobu"].pk}
    )
    assert response.status_code == 404
    food_case.refresh_from_db()
    assert food_case.department == kobe["eisei-kanshi"]


def test_linked_call_and_timeline_time_shown(login_client, operator, food_case):
    CaseEvent.objects.create(
        case=food_case,
        kind=CaseEvent.Kind.LINKED_CALL,
        actor=operator,
        at=timezone.now(),
        note="二人目",
    )
    assert "追加の通報" in login_client(operator).get(detail(food_case)).content.decode()


def test_department_transfers_its_own_case_and_loses_sight_of_it(
    login_client, staff_tobu, operator, kobe
):
    case = make_case(operator)
    client = login_client(staff_tobu)
    response = client.post(detail(case, "case_transfer"), {"department": kobe["kensetsu-kita"].pk})
    assert response["Location"] == reverse("departments:home")
    case.refresh_from_db()
    assert case.department == kobe["kensetsu-kita"]
    assert client.get(detail(case)).status_code == 404


def test_refused_transfer_keeps_the_typed_reason(login_client, operator, food_case, kobe):
    client = login_client(operator)
    response = client.post(detail(food_case, "case_transfer"), {"note": "動物の件でした"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "移管先の所管課を選んでください。" in page and "動物の件でした" in page
    response = client.post(
        detail(food_case, "case_transfer"),
        {"department": kobe["eisei-kanshi"].pk, "note": "もう一度"},
    )
    assert response.status_code == 400 and "もう一度" in response.content.decode()
    food_case.refresh_from_db()
    assert food_case.department == kobe["eisei-kanshi"]
    assert not food_case.events.filter(kind=CaseEvent.Kind.TRANSFER).exists()
