"""Citizen registration, login, account data, deletion; separation from staff accounts."""

import pytest
from django.test import Client

from kobepost.public.auth import SESSION_CITIZEN_ID
from kobepost.public.models import Citizen, Post
from kobepost.public.tests.fixtures import CITIZEN_PASSWORD, make_citizen, make_post
from tests.fixtures import TEST_PASSWORD


def registration(**change) -> dict:
    data = {
        "login_id": "sannomiya_hanako",
        "password1": "rokko-island-breeze",
        "password2": "rokko-island-breeze",
        "lives_or_works_in_kobe": "on",
        "address": "神戸市灘区六甲台町1-1",
        "work_ward": "",
        "nickname": "ろっこう",
        "name": "三宮 花子",
        "name_kana": "さんのみや はなこ",
        "phone": "０７８－８８１－１２１２",
        "email": "hanako@example.jp",
        "gender": "female",
        "birth_year": "1990",
        "occupation": "student",
    }
    data.update(change)
    return data


def test_register_normalises_and_signs_in(client, db):
    response = client.post("/public/register/", registration())
    assert response.status_code == 302
    citizen = Citizen.objects.get()
    assert citizen.name_kana == "サンノミヤ ハナコ"
    assert citizen.phone == "078-881-1212"
    assert citizen.password != "rokko-island-breeze"
    assert citizen.check_password("rokko-island-breeze")
    assert client.session[SESSION_CITIZEN_ID] == citizen.pk
    assert "_auth_user_id" not in client.session, "never a django.contrib.auth login"
    assert client.get("/public/my/").status_code == 200


def test_kana_is_kept_as_the_call_center_keeps_a_callers_kana(client, db):
    # Half-width, several spaces: one spelling, the same as tickets.normalize.normalize_kana.
    client.post("/public/register/", registration(name_kana="ｻﾝﾉﾐﾔ　　 ﾊﾅｺ"))
    assert Citizen.objects.get().name_kana == "サンノミヤ ハナコ"


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"lives_or_works_in_kobe": ""}, "神戸市内に在住・在勤・在学の方だけが登録できます"),
        ({"address": "大阪市北区梅田1-1"}, "住所が市外の方は勤務先・通学先の区を選んでください"),
        ({"name_kana": "Hanako"}, "カタカナで入力してください"),
        ({"phone": "12345"}, "電話番号を正しく入力してください"),
        ({"birth_year": "1850"}, "誕生年を西暦4桁で"),
        ({"password1": "short", "password2": "short"}, "短すぎます"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "数字だけ"),
        ({"password2": "something-else-2026"}, "確認用のパスワードが一致しません"),
        ({"login_id": "x"}, "ID は半角英数字"),
        ({"occupation": ""}, "このフィールドは必須です"),
    ],
)
def test_register_refusals_keep_input(client, db, change, field_message):
    response = client.post("/public/register/", registration(**change))
    assert response.status_code == 400
    page = response.content.decode()
    assert field_message in page
    assert "hanako@example.jp" in page, "what the citizen typed is kept"
    assert not Citizen.objects.exists()


def test_outside_kobe_address_is_fine_with_a_work_ward(client, db):
    response = client.post(
        "/public/register/", registration(address="芦屋市精道町7-6", work_ward="28110")
    )
    assert response.status_code == 302
    assert Citizen.objects.get().work_ward == "28110"


def test_duplicate_login_id_is_refused(client, citizen):
    response = client.post("/public/register/", registration(login_id=citizen.login_id.upper()))
    assert response.status_code == 400
    assert "この ID はすでに使われています" in response.content.decode()


def test_login_and_logout(client, citizen):
    response = client.post(
        "/public/login/", {"login_id": citizen.login_id, "password": "wrong-password"}
    )
    assert response.status_code == 400
    assert "ID またはパスワードが正しくありません" in response.content.decode()
    response = client.post(
        "/public/login/",
        {"login_id": citizen.login_id, "password": CITIZEN_PASSWORD, "next": "/public/post/"},
    )
    assert response.status_code == 302 and response["Location"] == "/public/post/"
    assert client.post("/public/logout/").status_code == 302
    assert SESSION_CITIZEN_ID not in client.session
    assert client.get("/public/my/").status_code == 302


def test_login_next_cannot_leave_the_public_side(client, citizen):
    response = client.post(
        "/public/login/",
        {"login_id": citizen.login_id, "password": CITIZEN_PASSWORD, "next": "/callcenter/"},
    )
    assert response["Location"] == "/public/my/"


@pytest.mark.parametrize(
    "path", ["/public/my/", "/public/post/", "/public/account/", "/public/account/delete/"]
)
def test_citizen_pages_need_a_citizen_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/public/login/?next=")


@pytest.mark.parametrize("path", ["/public/my/", "/public/post/", "/public/account/"])
def test_a_staff_login_is_not_a_citizen_login(login_client, supervisor, path):
    response = login_client(supervisor).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/public/login/")


@pytest.mark.parametrize("path", ["/callcenter/", "/departments/", "/triage/", "/admin/", "/"])
def test_a_citizen_session_never_reaches_a_staff_screen(citizen, citizen_client, kobe, path):
    response = citizen_client(citizen).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(("/login/", "/admin/login/"))


def test_staff_identity_is_not_shown_on_public_pages(login_client, supervisor):
    page = login_client(supervisor).get("/public/").content.decode()
    assert supervisor.display_name not in page
    assert supervisor.username not in page


def test_changing_the_password_ends_other_sessions(citizen, citizen_client):
    other_device = citizen_client(citizen)
    this_device = citizen_client(citizen)
    response = this_device.post(
        "/public/account/",
        {
            "action": "password",
            "password-current_password": CITIZEN_PASSWORD,
            "password-new_password1": "harborland-night-view",
            "password-new_password2": "harborland-night-view",
        },
    )
    assert response.status_code == 302
    assert this_device.get("/public/my/").status_code == 200
    assert other_device.get("/public/my/").status_code == 302


def test_account_shows_and_changes_own_data(citizen, citizen_client):
    client = citizen_client(citizen)
    page = client.get("/public/account/").content.decode()
    assert citizen.name in page and citizen.phone in page
    data = {f"details-{k}": v for k, v in registration().items()}
    data["details-nickname"] = "あたらしい名前"
    data["action"] = "details"
    response = client.post("/public/account/", data)
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.nickname == "あたらしい名前"
    assert citizen.phone == "078-881-1212"


def test_account_change_refused_keeps_data(citizen, citizen_client):
    data = {f"details-{k}": v for k, v in registration(phone="abc").items()}
    data["action"] = "details"
    response = citizen_client(citizen).post("/public/account/", data)
    assert response.status_code == 400
    citizen.refresh_from_db()
    assert citizen.phone == "078-331-8181"


def test_delete_account_erases_personal_data_and_anonymises_posts(citizen, citizen_client):
    post = make_post(citizen, published=True)
    client = citizen_client(citizen)
    response = client.post("/public/account/delete/", {"password": "wrong"})
    assert response.status_code == 400
    assert Citizen.objects.exists()
    response = client.post("/public/account/delete/", {"password": CITIZEN_PASSWORD})
    assert response.status_code == 302
    assert not Citizen.objects.exists()
    post.refresh_from_db()
    assert post.citizen is None and post.nickname == ""
    page = Client().get(f"/public/posts/{post.pk}/").content.decode()
    assert "匿名" in page and "みなとっ子" not in page
    assert client.get("/public/my/").status_code == 302


def test_token_issue_replaces_the_previous_one(citizen, citizen_client):
    client = citizen_client(citizen)
    response = client.post("/public/account/token/")
    assert response.status_code == 200
    first = Citizen.objects.get().api_token_digest
    assert first
    client.post("/public/account/token/")
    assert Citizen.objects.get().api_token_digest != first
    assert client.get("/public/account/token/").status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/public/logout/"),
        ("put", "/public/register/"),
        ("put", "/public/login/"),
        ("delete", "/public/post/"),
        ("post", "/public/"),
        ("post", "/public/my/"),
    ],
)
def test_wrong_methods(citizen, citizen_client, method, path):
    assert getattr(citizen_client(citizen), method)(path).status_code == 405


def test_post_new_creates_an_unpublished_post(citizen, citizen_client):
    client = citizen_client(citizen)
    response = client.post(
        "/public/post/",
        {
            "category": Post._meta.get_field("category").related_model.objects.first().pk,
            "text": "街灯が消えています",
            "address": "灘区六甲台町",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.citizen == citizen and not post.published and post.nickname == "みなとっ子"
    assert Client().get(f"/public/posts/{post.pk}/").status_code == 404
    assert client.get(f"/public/posts/{post.pk}/").status_code == 200
    assert make_citizen("someone_else") is not None


def test_post_needs_a_place(citizen, citizen_client, road_category):
    response = citizen_client(citizen).post(
        "/public/post/", {"category": road_category.pk, "text": "穴"}
    )
    assert response.status_code == 400
    assert "地図で場所を選ぶか" in response.content.decode()


def test_a_point_outside_kobe_is_refused_and_the_text_kept(citizen, citizen_client, road_category):
    response = citizen_client(citizen).post(
        "/public/post/",
        {
            "category": road_category.pk,
            "text": "歩道に穴があります",
            "lat": "34.6937",
            "lng": "135.5023",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "神戸市外です" in page and "歩道に穴があります" in page
    assert not Post.objects.exists()


def test_my_posts_show_status_and_reply(citizen, citizen_client, django_assert_max_num_queries):
    for _ in range(3):
        make_post(citizen, photos=1, public_reply="対応しました", status=Post.Status.DONE)
    client = citizen_client(citizen)
    with django_assert_max_num_queries(8):
        page = client.get("/public/my/").content.decode()
    assert page.count("対応しました") == 3 and "対応完了" in page
    for _ in range(5):
        make_post(citizen, photos=1)
    with django_assert_max_num_queries(8):
        client.get("/public/my/")


def test_public_list_query_count(client, citizen, django_assert_max_num_queries):
    for _ in range(3):
        make_post(citizen, photos=2, published=True)
    with django_assert_max_num_queries(6):
        assert client.get("/public/").status_code == 200
    for _ in range(6):
        make_post(citizen, photos=2, published=True)
    with django_assert_max_num_queries(6):
        assert client.get("/public/").status_code == 200


def test_staff_password_does_not_log_in_a_citizen(client, supervisor):
    response = client.post(
        "/public/login/", {"login_id": supervisor.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
