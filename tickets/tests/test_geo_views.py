"""The /geo/ JSON look-ups: who may call them, what they answer, what they refuse."""

import pytest
from django.urls import reverse

SEARCH = reverse("geo:search")
WARD = reverse("geo:ward")
TOWNS = reverse("geo:towns")


@pytest.fixture
def client_operator(login_client, operator):
    return login_client(operator)


def test_urls_are_under_geo():
    assert (SEARCH, WARD, TOWNS) == ("/geo/search/", "/geo/ward/", "/geo/towns/")


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", SEARCH, {"q": "加納町"}),
        ("post", WARD, {"lat": "34.69", "lng": "135.19"}),
        ("get", TOWNS, {}),
    ],
)
def test_anonymous_users_are_sent_to_login(client, db, method, url, data):
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("user", ["operator", "supervisor", "staff_tobu"])
def test_staff_roles_may_search(request, login_client, user):
    response = login_client(request.getfixturevalue(user)).post(SEARCH, {"q": "加納町6丁目"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_admin_role_is_refused(login_client, admin_user):
    assert login_client(admin_user).post(SEARCH, {"q": "加納町"}).status_code == 403


# What was typed (an address) or chosen (a point) is often the caller's home: never in a URL.
@pytest.mark.parametrize("url", [SEARCH, WARD])
def test_look_ups_with_an_address_or_a_point_refuse_get(client_operator, url):
    assert client_operator.get(url, {"q": "加納町"}).status_code == 405


def test_the_map_view_is_a_get(client_operator):
    assert client_operator.post(TOWNS, {"bbox": "34.68,135.18,34.70,135.21"}).status_code == 405


def test_search_returns_places_with_ward_and_point(client_operator):
    response = client_operator.post(SEARCH, {"q": "中央区加納町６丁目5-1"})
    assert response.json() == {
        "results": [
            {
                "ward": "28110",
                "ward_name": "中央区",
                "town": "加納町六丁目",
                "lat": 34.688801,
                "lng": 135.196121,
                "label": "中央区加納町六丁目",
                "address": "中央区加納町六丁目5-1",
            }
        ]
    }


def test_search_by_postal_code(client_operator):
    results = client_operator.post(SEARCH, {"q": "６５０８５７０"}).json()["results"]
    assert [r["ward_name"] for r in results] == ["中央区"]
    assert "神戸市役所" in results[0]["label"]


def test_search_with_no_match_is_an_empty_list(client_operator):
    response = client_operator.post(SEARCH, {"q": "存在しない町"})
    assert response.status_code == 200
    assert response.json() == {"results": []}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "住所または郵便番号を入力してください。"),
        ({"q": "   "}, "住所または郵便番号を入力してください。"),
        ({"q": "あ" * 101}, "検索語は100文字以内で入力してください。"),
    ],
)
def test_search_refuses_bad_input_in_japanese(client_operator, params, message):
    response = client_operator.post(SEARCH, params)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_ward_of_a_point(client_operator):
    response = client_operator.post(WARD, {"lat": "34.6888", "lng": "135.1961"})
    assert response.status_code == 200
    assert response.json() == {
        "ward": "28110",
        "ward_name": "中央区",
        "town": "加納町六丁目",
        "address": "中央区加納町六丁目",
    }


def test_the_address_offered_for_a_point_is_japanese_in_the_english_ui(client_operator):
    client_operator.cookies["django_language"] = "en"
    body = client_operator.post(WARD, {"lat": "34.6888", "lng": "135.1961"}).json()
    assert body["address"] == "中央区加納町六丁目"


def test_ward_of_a_point_outside_kobe_is_null(client_operator):
    response = client_operator.post(WARD, {"lat": "34.6937", "lng": "135.5023"})  # 大阪市
    assert response.status_code == 200
    assert response.json() == {"ward": None, "ward_name": "", "town": "", "address": ""}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": "34.69"},
        {"lat": "abc", "lng": "135.19"},
        {"lat": "nan", "lng": "135.19"},
        {"lat": "inf", "lng": "135.19"},
        {"lat": "91", "lng": "135.19"},
        {"lat": "34.69", "lng": "181"},
    ],
)
def test_ward_refuses_bad_points_in_japanese(client_operator, params):
    response = client_operator.post(WARD, params)
    assert response.status_code == 400
    assert response.json() == {"error": "緯度（lat）と経度（lng）を正しい数値で指定してください。"}


def test_towns_in_a_box(client_operator):
    response = client_operator.get(TOWNS, {"bbox": "34.68,135.18,34.70,135.21"})
    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is False
    assert {
        "ward": "28110",
        "town": "加納町六丁目",
        "lat": 34.688801,
        "lng": 135.196121,
        "address": "中央区加納町六丁目",
    } in body["towns"]


def test_towns_for_the_whole_city_are_capped(client_operator):
    body = client_operator.get(TOWNS, {"bbox": "34.5,134.9,35.0,135.4"}).json()
    assert body["truncated"] is True
    assert len(body["towns"]) == 500


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        (
            None,
            "範囲（bbox）は「南端の緯度,西端の経度,北端の緯度,東端の経度」の4つの数値で指定してください。",
        ),
        (
            "34.6,135.1,34.7",
            "範囲（bbox）は「南端の緯度,西端の経度,北端の緯度,東端の経度」の4つの数値で指定してください。",
        ),
        (
            "a,b,c,d",
            "範囲（bbox）は「南端の緯度,西端の経度,北端の緯度,東端の経度」の4つの数値で指定してください。",
        ),
        ("34.7,135.1,34.6,135.2", "範囲（bbox）の南北・東西の順序または値が正しくありません。"),
        ("34.6,135.2,34.7,135.1", "範囲（bbox）の南北・東西の順序または値が正しくありません。"),
        ("-91,135.1,34.7,135.2", "範囲（bbox）の南北・東西の順序または値が正しくありません。"),
    ],
)
def test_towns_refuses_bad_boxes_in_japanese(client_operator, bbox, message):
    response = client_operator.get(TOWNS, {} if bbox is None else {"bbox": bbox})
    assert response.status_code == 400
    assert response.json() == {"error": message}
