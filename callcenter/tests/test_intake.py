import re

import pytest
from django.urls import reverse

from tickets.models import Case, CaseEvent, Category, IntakeToken
from tickets.tests.factories import make_case

URL = reverse("callcenter:case_create")


def token_of(response) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert found is not None, "no form token on the page"
    return found.group(1)


def valid_post(token: str, **overrides) -> dict:
    category = Category.objects.get(code="road-damage")
    data = {
        "form_token": token,
        "caller_phone": "０７８（３３１）８１８１",
        "caller_name": "日向 太郎",
        "caller_kana": "ひなた たろう",
        "kind": "report",
        "channel": "phone",
        "received_at": "2026-11-20T10:15",
        "category": str(category.pk),
        "department": "",
        "title": "歩道の陥没",
        "details": "三宮駅の南、歩道が陥没している。",
        "health_symptoms": "",
        "latitude": "34.6946",
        "longitude": "135.1955",
        "address": "中央区三宮町1丁目",
        "ward": "28110",
        "reply_needed": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def operator_client(login_client, operator):
    return login_client(operator)


def test_intake_form_shows_with_initial_values_from_faq(operator_client):
    category = Category.objects.get(code="dogs-cats")
    response = operator_client.get(
        URL,
        {"category": category.pk, "title": "野良猫", "details": "庭に猫", "phone": "0783318181"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="野良猫"' in page and "庭に猫" in page
    # A phone number is never taken from an address (access logs, history).
    phone_input = re.search(r'<input[^>]*name="caller_phone"[^>]*>', page).group(0)
    assert "value=" not in phone_input
    assert f'<option value="{category.pk}" selected>' in page
    assert f'<option value="{category.department_id}" selected>' in page
    assert "autofocus" in page and 'id="location-map"' in page
    assert IntakeToken.objects.count() == 1


def test_intake_accepts_dial_code(operator_client):
    response = operator_client.get(URL, {"dial": "clean110"})
    assert response.status_code == 200


def test_save_creates_normalised_case_routed_to_department(operator_client, operator, kobe):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("callcenter:case_detail", args=[case.pk])
    assert case.caller_phone == "078-331-8181"
    assert case.caller_phone_digits == "0783318181"
    assert case.caller_kana == "ヒナタ タロウ"
    assert case.department == kobe["kensetsu-tobu"]
    assert case.dial.code == "roads"
    assert case.created_by == operator
    assert case.latitude == pytest.approx(34.6946)
    assert case.reference.startswith("2026-")
    assert case.events.get().kind == CaseEvent.Kind.CREATED


def test_anonymous_caller_allowed(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(
        URL, valid_post(token, caller_phone="", caller_name="", caller_kana="")
    )
    assert response.status_code == 302
    assert Case.objects.get().caller_phone_digits == ""


def test_resubmit_answers_with_the_saved_case_and_keeps_what_was_typed(operator_client, kobe):
    token = token_of(operator_client.get(URL))
    first = operator_client.post(URL, valid_post(token))
    case = Case.objects.get()
    # Back, then save again, with a correction typed meanwhile: no second case, no mail.
    second = operator_client.post(URL, valid_post(token, caller_name="日向 次郎"))
    assert Case.objects.count() == 1
    assert second.status_code == 409
    page = second.content.decode()
    assert "この受付は既に保存されています" in page
    assert f'href="{first["Location"]}"' in page and case.reference in page
    assert f'href="{reverse("callcenter:case_correct", args=[case.pk])}"' in page
    assert 'value="日向 次郎"' in page and 'value="34.6946"' in page  # as typed, point too
    assert token_of(second) == token  # the same token: saving again makes nothing either
    assert 'id="intake-save"' not in page
    third = operator_client.post(URL, valid_post(token))
    assert third.status_code == 409 and Case.objects.count() == 1
    assert case.events.count() == 1


def test_unknown_token_keeps_input_and_saves_nothing(operator_client):
    response = operator_client.post(URL, valid_post("forged"))
    assert response.status_code == 400
    assert Case.objects.count() == 0
    page = response.content.decode()
    assert "有効期限が切れました" in page and 'value="歩道の陥没"' in page


def test_token_of_another_user_is_refused(login_client, operator, operator2):
    token = token_of(login_client(operator).get(URL))
    response = login_client(operator2).post(URL, valid_post(token))
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_validation_errors_in_japanese_keep_everything_typed(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(
        URL,
        valid_post(token, caller_phone="119", title="", caller_kana="山田", category=""),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "短縮番号は登録できません" in page
    assert "このフィールドは必須です。" in page
    assert "氏名カナはカタカナかひらがなで入力してください。" in page
    assert 'value="119"' in page  # what was typed stays
    assert 'value="日向 太郎"' in page
    assert "三宮駅の南、歩道が陥没している。" in page
    assert 'value="34.6946"' in page and 'value="135.1955"' in page  # the map point too
    assert 'value="中央区三宮町1丁目"' in page
    assert Case.objects.count() == 0
    # the same token still works once the input is fixed
    fixed = operator_client.post(URL, valid_post(token))
    assert fixed.status_code == 302 and Case.objects.count() == 1


def test_urgent_needs_the_department_contact(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token, urgent="on"))
    assert "電話連絡した所管課の職員名を入力してください" in response.content.decode()
    response = operator_client.post(URL, valid_post(token, urgent="on", urgent_contact="高橋"))
    case = Case.objects.get()
    assert case.urgent and case.urgent_contacted_at is not None
    assert case.events.filter(kind=CaseEvent.Kind.URGENT_CONTACT).exists()


def test_department_can_be_changed_from_the_routing(operator_client, kobe):
    token = token_of(operator_client.get(URL))
    operator_client.post(URL, valid_post(token, department=str(kobe["kensetsu-kita"].pk)))
    assert Case.objects.get().department == kobe["kensetsu-kita"]


def test_link_to_existing_case_records_the_call_instead(operator_client, operator):
    existing = make_case(operator, latitude=34.6946, longitude=135.1955)
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token, link_case=str(existing.pk)))
    assert response["Location"] == reverse("callcenter:case_detail", args=[existing.pk])
    assert Case.objects.count() == 1
    event = existing.events.get(kind=CaseEvent.Kind.LINKED_CALL)
    assert "歩道の陥没" in event.note
    again = operator_client.post(URL, valid_post(token, link_case=str(existing.pk)))
    assert again.status_code == 409 and existing.reference in again.content.decode()
    assert existing.events.filter(kind=CaseEvent.Kind.LINKED_CALL).count() == 1


def test_department_staff_and_admin_cannot_take_calls(login_client, staff_tobu, admin_user):
    assert login_client(staff_tobu).get(URL).status_code == 403
    assert login_client(admin_user).post(URL, {}).status_code == 403


def test_wrong_method(operator_client):
    assert operator_client.put(URL).status_code == 405


# --- JSON endpoints ------------------------------------------------------------------------
def test_phone_history_matches_any_spelling(operator_client, operator):
    make_case(
        operator, title="前回の通報", caller_phone="078-331-8181", caller_phone_digits="0783318181"
    )
    make_case(
        operator, title="別の人", caller_phone="078-222-3333", caller_phone_digits="0782223333"
    )
    url = reverse("callcenter:phone_history")
    for spelling in ("078-331-8181", "０７８（３３１）８１８１", "0783318181", "078331"):
        data = operator_client.post(url, {"phone": spelling}).json()
        assert [c["title"] for c in data["cases"]] == ["前回の通報"], spelling
        assert data["cases"][0]["status"] == "受付"
    assert operator_client.post(url, {"phone": "07"}).json() == {"cases": []}


def test_phone_history_refused_to_department_staff(login_client, staff_tobu):
    response = login_client(staff_tobu).post(reverse("callcenter:phone_history"), {"phone": "078"})
    assert response.status_code == 403


def test_nearby_endpoint(operator_client, operator, settings):
    settings.NEARBY_CASE_RADIUS_M = 100
    near = make_case(operator, title="近くの陥没", latitude=34.6947, longitude=135.1956)
    make_case(operator, title="遠くの陥没", latitude=34.6960, longitude=135.1955)  # ~155 m
    category = Category.objects.get(code="road-damage")
    data = operator_client.post(
        reverse("callcenter:nearby_cases"),
        {"latitude": "34.6946", "longitude": "135.1955", "category": category.pk},
    ).json()
    assert [c["id"] for c in data["cases"]] == [near.pk]
    assert data["cases"][0]["distanceM"] < 20
    bad = operator_client.post(reverse("callcenter:nearby_cases"), {"latitude": "x"}).json()
    assert bad == {"cases": []}


def test_ward_is_derived_from_the_point_when_the_page_did_not_fill_it(operator_client):
    token = token_of(operator_client.get(URL))
    data = valid_post(token, ward="", latitude="34.695075", longitude="135.193287")
    response = operator_client.post(URL, data)
    assert response.status_code == 302
    assert Case.objects.get(title="歩道の陥没").ward == "28110"


def test_ward_chosen_by_the_operator_wins_over_the_point(operator_client):
    token = token_of(operator_client.get(URL))
    # A point on a ward border: the operator corrected the ward to 灘区.
    data = valid_post(token, ward="28102", latitude="34.695075", longitude="135.193287")
    operator_client.post(URL, data)
    assert Case.objects.get(title="歩道の陥没").ward == "28102"


# --- Kobe's bounds ---------------------------------------------------------------------------
OSAKA = {"latitude": "34.6937", "longitude": "135.5023"}


def test_a_point_outside_kobe_is_refused_and_nothing_typed_is_lost(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token, ward="", **OSAKA))
    assert response.status_code == 400
    assert not Case.objects.exists()
    page = response.content.decode()
    assert "神戸市外です" in page and "34.69370" in page
    assert 'value="34.6937"' in page and 'value="135.5023"' in page  # where it was, to fix
    assert 'value="日向 太郎"' in page and "三宮駅の南、歩道が陥没している。" in page
    fixed = operator_client.post(URL, valid_post(token))
    assert fixed.status_code == 302 and Case.objects.count() == 1


def test_half_a_point_is_refused(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token, longitude=""))
    assert response.status_code == 400
    assert "緯度と経度の両方が必要です" in response.content.decode()
    assert not Case.objects.exists()


def test_a_case_without_a_point_is_still_taken(operator_client):
    token = token_of(operator_client.get(URL))
    response = operator_client.post(URL, valid_post(token, latitude="", longitude=""))
    assert response.status_code == 302
    assert Case.objects.get().latitude is None


def test_letters_in_the_phone_are_called_a_slip_not_a_short_number(operator_client):
    token = token_of(operator_client.get(URL))
    page = operator_client.post(URL, valid_post(token, caller_phone="12ab")).content.decode()
    assert "電話番号には数字と" in page and "短縮番号" not in page
