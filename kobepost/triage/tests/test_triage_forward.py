"""Forwarding posts to departments, linking posts to cases, and the status flowing back."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from kobepost.public.models import Post, PostCategory, post_status_for_case
from kobepost.public.services import post_forward, post_link_case, post_publish, post_respond
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post
from tickets.models import Case, CaseEvent, Category
from tickets.services import (
    case_change_status,
    case_create,
    case_reply,
    case_set_work_status,
)


@pytest.fixture
def road(kobe):
    """Road damage, routed to 東部建設事務所; the post category points to it."""
    category = Category.objects.get(code="road-damage")
    PostCategory.objects.filter(code="road-damage").update(ticket_category=category)
    return category


@pytest.fixture
def post(citizen, road):
    created = make_post(
        citizen,
        photos=1,
        text="加納町の歩道に穴があいていて危ないです。\n自転車が転びそうでした。",
        lat=34.6901,
        lng=135.1955,
        address="加納町6丁目 市役所前",
    )
    created.created_at = timezone.now() - datetime.timedelta(hours=5)
    created.save(update_fields=["created_at"])
    return created


def forward_data(road: Category, **extra) -> dict:
    data = {
        "category": road.pk,
        "department": road.department_id,
        "title": "市役所前の歩道の穴",
    }
    data.update(extra)
    return data


def fresh(post: Post) -> Post:
    return Post.objects.with_current_status().get(pk=post.pk)


# --- forwarding ---------------------------------------------------------------------------


def test_detail_prefills_category_department_and_title(login_client, supervisor, post, road):
    page = login_client(supervisor).get(f"/triage/posts/{post.pk}/").content.decode()
    assert "所管課へ送付" in page
    assert f'<option value="{road.pk}" selected>' in page
    assert f'<option value="{road.department_id}" selected>' in page
    assert (
        'value="道路の損傷 加納町6丁目 市役所前 加納町の歩道に穴があいていて危ないです。"' in page
    )
    assert 'id="category-departments"' in page


def test_forward_creates_linked_case_without_personal_data(
    login_client, supervisor, citizen, post, road, kobe
):
    other_department = kobe["kensetsu-seibu"]
    response = login_client(supervisor).post(
        f"/triage/posts/{post.pk}/forward/",
        forward_data(road, department=other_department.pk),
        follow=True,
    )
    assert response.status_code == 200
    post.refresh_from_db()
    case = post.case
    assert post.case_link == Post.CaseLink.FORWARDED
    assert list(case.posts.all()) == [post]
    assert case.channel == Case.Channel.KOBE_POST
    assert case.get_channel_display() == "KOBE ぽすと"
    assert case.kind == Case.Kind.REPORT
    assert case.received_at == post.created_at
    assert case.category == road
    assert case.department == other_department  # the supervisor's choice wins over routing
    assert case.title == "市役所前の歩道の穴"
    assert case.details == post.text
    assert (case.latitude, case.longitude) == (post.lat, post.lng)
    assert case.address == "加納町6丁目 市役所前"
    assert case.get_ward_display() == "中央区"
    assert case.created_by == supervisor
    assert case.status == Case.Status.RECEIVED
    # Nothing personal travels into the case.
    assert (case.caller_name, case.caller_kana, case.caller_phone) == ("", "", "")
    for value in (citizen.name, citizen.phone, citizen.email, citizen.address, citizen.login_id):
        assert value not in case.details and value not in case.title
    assert case.events.filter(kind=CaseEvent.Kind.CREATED).count() == 1
    page = response.content.decode()
    assert case.reference in page
    assert "建設局 西部建設事務所" in page
    # Forwarded: the citizen sees 対応中 from now on.
    assert fresh(post).current_status == Post.Status.IN_PROGRESS


def test_forward_keeps_a_given_ward_out_of_kobe_blank(login_client, supervisor, citizen, road):
    far = make_post(citizen, lat=35.6812, lng=139.7671, address="東京駅")
    login_client(supervisor).post(f"/triage/posts/{far.pk}/forward/", forward_data(road))
    far.refresh_from_db()
    assert far.case.ward == ""


def test_forward_without_point_keeps_address(login_client, supervisor, citizen, road):
    no_point = make_post(citizen, lat=None, lng=None, address="須磨区 須磨浦公園の入口")
    login_client(supervisor).post(f"/triage/posts/{no_point.pk}/forward/", forward_data(road))
    no_point.refresh_from_db()
    assert no_point.case.address == "須磨区 須磨浦公園の入口"
    assert no_point.case.latitude is None and no_point.case.ward == ""


def test_forward_with_bad_input_keeps_what_was_typed(login_client, supervisor, post, road):
    response = login_client(supervisor).post(
        f"/triage/posts/{post.pk}/forward/",
        {"category": road.pk, "department": "", "title": "入力したタイトル"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "入力したタイトル" in page
    assert "このフィールドは必須です。" in page
    assert Case.objects.count() == 0
    assert Post.objects.get(pk=post.pk).case is None


def test_forward_twice_creates_one_case(login_client, supervisor, post, road):
    client = login_client(supervisor)
    client.post(f"/triage/posts/{post.pk}/forward/", forward_data(road))
    response = client.post(f"/triage/posts/{post.pk}/forward/", forward_data(road), follow=True)
    assert "すでに案件と連携しています" in response.content.decode()
    assert Case.objects.count() == 1


def test_rejected_post_cannot_be_forwarded(login_client, supervisor, citizen, road):
    spam = make_post(citizen, rejection=Post.Rejection.SPAM)
    response = login_client(supervisor).post(
        f"/triage/posts/{spam.pk}/forward/", forward_data(road), follow=True
    )
    assert "不採用・重複の投稿は案件にできません" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("user_fixture", ["operator", "staff_tobu", "admin_user"])
def test_only_supervisors_forward(request, login_client, user_fixture, post, road):
    user = request.getfixturevalue(user_fixture)
    response = login_client(user).post(f"/triage/posts/{post.pk}/forward/", forward_data(road))
    assert response.status_code == 403
    assert Case.objects.count() == 0


@pytest.mark.parametrize("action", ["forward", "duplicate-case"])
def test_link_actions_are_post_only(login_client, supervisor, post, action):
    response = login_client(supervisor).get(f"/triage/posts/{post.pk}/{action}/")
    assert response.status_code == 405


def test_forward_unknown_post_is_404(login_client, supervisor, road):
    response = login_client(supervisor).post("/triage/posts/999999/forward/", forward_data(road))
    assert response.status_code == 404


def test_linked_post_cannot_be_rejected_afterwards(login_client, supervisor, post, road):
    client = login_client(supervisor)
    client.post(f"/triage/posts/{post.pk}/forward/", forward_data(road))
    client.post(f"/triage/posts/{post.pk}/reject/", {"rejection": Post.Rejection.SPAM})
    assert Post.objects.get(pk=post.pk).rejection == ""


# --- the case page shows the post; department staff reach the case --------------------------


def test_case_detail_shows_linked_post_to_department(
    login_client, supervisor, staff_tobu, staff_seibu, citizen, post, road
):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    page = login_client(staff_tobu).get(f"/callcenter/cases/{case.pk}/").content.decode()
    assert "KOBE ぽすと投稿" in page
    assert f"投稿 {post.pk}" in page
    assert f"/triage/posts/{post.pk}/" not in page  # department staff cannot open triage
    assert citizen.name not in page and citizen.phone not in page
    supervisor_page = login_client(supervisor).get(f"/callcenter/cases/{case.pk}/").content.decode()
    assert f"/triage/posts/{post.pk}/" in supervisor_page
    assert login_client(staff_seibu).get(f"/callcenter/cases/{case.pk}/").status_code == 404


# --- status flows back -----------------------------------------------------------------------


def test_status_follows_the_case_through_its_lifecycle(supervisor, staff_tobu, post, road):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    assert fresh(post).current_status == Post.Status.IN_PROGRESS
    case = case_change_status(case=case, user=staff_tobu, status=Case.Status.IN_PROGRESS)
    assert fresh(post).current_status == Post.Status.IN_PROGRESS
    case = case_reply(case=case, user=staff_tobu, reply_text="補修業者へ手配しました（内部メモ）")
    assert fresh(post).current_status == Post.Status.DONE
    assert Post.objects.get(pk=post.pk).current_status == Post.Status.DONE  # without annotation
    # Reopened: the post goes back to 対応中.
    case_change_status(case=case, user=supervisor, status=Case.Status.IN_PROGRESS)
    assert fresh(post).current_status == Post.Status.IN_PROGRESS
    assert fresh(post).is_open


def test_work_status_done_completes_the_post(supervisor, staff_tobu, post, road):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    case_set_work_status(case=case, user=staff_tobu, work_status=Case.WorkStatus.WORKING)
    assert fresh(post).current_status == Post.Status.IN_PROGRESS
    case_set_work_status(case=case, user=staff_tobu, work_status=Case.WorkStatus.DONE)
    assert fresh(post).current_status == Post.Status.DONE
    assert not fresh(post).is_open


@pytest.mark.parametrize(
    ("case_status", "work_status", "expected"),
    [
        (Case.Status.RECEIVED, Case.WorkStatus.NOT_STARTED, Post.Status.IN_PROGRESS),
        (Case.Status.IN_PROGRESS, Case.WorkStatus.WORKING, Post.Status.IN_PROGRESS),
        (Case.Status.IN_PROGRESS, Case.WorkStatus.DONE, Post.Status.DONE),
        (Case.Status.ANSWERED, Case.WorkStatus.NOT_STARTED, Post.Status.DONE),
        (Case.Status.CITIZEN_ANSWERED, Case.WorkStatus.WORKING, Post.Status.DONE),
        (Case.Status.CLOSED, Case.WorkStatus.DONE, Post.Status.DONE),
    ],
)
def test_sql_and_python_derivations_agree(
    supervisor, post, road, case_status, work_status, expected
):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    Case.objects.filter(pk=case.pk).update(status=case_status, work_status=work_status)
    assert post_status_for_case(case_status, work_status) == expected
    assert fresh(post).current_status == expected
    assert Post.objects.get(pk=post.pk).current_status == expected


def test_linked_post_status_cannot_be_set_by_hand(login_client, supervisor, post, road):
    post_forward(post=post, user=supervisor, category=road, department=road.department, title="穴")
    client = login_client(supervisor)
    page = client.get(f"/triage/posts/{post.pk}/").content.decode()
    assert 'name="status"' not in page
    assert "案件の状態から自動で決まります" in page
    client.post(
        f"/triage/posts/{post.pk}/respond/",
        {"public_text": post.public_text, "status": Post.Status.DONE, "public_reply": ""},
    )
    stored = fresh(post)
    # The stored status follows the case (done when it closes), never the form.
    assert stored.status == Post.Status.IN_PROGRESS
    assert stored.current_status == Post.Status.IN_PROGRESS


def test_public_reply_stays_separate_and_records_the_call_back(
    login_client, supervisor, staff_tobu, citizen, citizen_client, post, road
):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    case_reply(case=case, user=staff_tobu, reply_text="業者手配済。内部用: 担当 山田")
    client = login_client(supervisor)
    detail = client.get(f"/triage/posts/{post.pk}/").content.decode()
    assert "業者手配済。内部用: 担当 山田" in detail  # the supervisor sees it to write the reply
    response = client.post(
        f"/triage/posts/{post.pk}/respond/",
        {
            "public_text": post.public_text,
            "public_reply": "補修しました。ご報告ありがとうございました。",
            "repair_photo": jpeg_upload("after.jpg"),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ANSWERED  # not yet public: the citizen was not told
    client.post(f"/triage/posts/{post.pk}/publish/")
    case.refresh_from_db()
    assert case.status == Case.Status.CITIZEN_ANSWERED
    callback = case.events.get(kind=CaseEvent.Kind.CALLBACK)
    assert "KOBE ぽすと" in callback.note
    assert case.reply_text == "業者手配済。内部用: 担当 山田"  # the internal reply is untouched

    page = citizen_client(citizen).get(f"/public/posts/{post.pk}/").content.decode()
    assert "対応完了" in page
    assert "補修しました。ご報告ありがとうございました。" in page
    assert "内部用" not in page
    assert "対応後の写真" in page
    public = Client().get(f"/public/posts/{post.pk}/").content.decode()
    assert "対応完了" in public and "内部用" not in public


# --- duplicates of cases -----------------------------------------------------------------------


@pytest.fixture
def phone_case(operator, road):
    return case_create(
        created_by=operator,
        category=road,
        title="市役所前 歩道の陥没（電話）",
        caller_name="電話 花子",
        caller_phone="078-000-0000",
    )


def test_mark_duplicate_of_case_links_and_follows(
    login_client, supervisor, staff_tobu, post, phone_case
):
    client = login_client(supervisor)
    response = client.post(
        f"/triage/posts/{post.pk}/duplicate-case/",
        {"case_reference": phone_case.reference.replace("-", "ー")},
        follow=True,
    )
    assert response.status_code == 200
    assert phone_case.reference in response.content.decode()
    stored = fresh(post)
    assert stored.case == phone_case
    assert stored.case_link == Post.CaseLink.DUPLICATE
    assert not stored.is_rejected
    assert stored.current_status == Post.Status.IN_PROGRESS
    assert phone_case.events.filter(kind=CaseEvent.Kind.LINKED_CALL).exists()
    assert Case.objects.count() == 1
    case_reply(case=phone_case, user=staff_tobu, reply_text="補修済み")
    assert fresh(post).current_status == Post.Status.DONE
    # The phone caller still needs the call center's call back: a public reply is not it.
    post_respond(post=stored, user=supervisor, public_text="穴", public_reply="補修しました")
    post_publish(post=stored, user=supervisor)
    phone_case.refresh_from_db()
    assert phone_case.status == Case.Status.ANSWERED


def test_duplicate_of_unknown_case_is_refused(login_client, supervisor, post):
    response = login_client(supervisor).post(
        f"/triage/posts/{post.pk}/duplicate-case/", {"case_reference": "2026-999999"}
    )
    assert response.status_code == 400
    assert "その受付番号の案件はありません。" in response.content.decode()
    assert fresh(post).case is None


def test_only_supervisors_link_cases(login_client, operator, post, phone_case):
    response = login_client(operator).post(
        f"/triage/posts/{post.pk}/duplicate-case/", {"case_reference": phone_case.reference}
    )
    assert response.status_code == 403
    assert fresh(post).case is None


def test_a_linked_post_is_not_linked_again(supervisor, post, phone_case, road):
    post_link_case(post=post, user=supervisor, case=phone_case)
    with pytest.raises(ValueError):
        post_forward(
            post=post, user=supervisor, category=road, department=road.department, title="x"
        )


# --- queue ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 40])
def test_queue_query_count_does_not_grow(
    login_client, supervisor, road, count, django_assert_max_num_queries
):
    poster = make_citizen("many_posts")
    for index in range(count):
        made = make_post(poster if index % 2 else make_citizen(f"p{index}"), photos=1)
        if index % 3 == 0:
            post_forward(
                post=made, user=supervisor, category=road, department=road.department, title="t"
            )
    client = login_client(supervisor)
    for state in ("new", "linked"):
        with django_assert_max_num_queries(10):
            response = client.get(f"/triage/?state={state}")
        assert response.status_code == 200
    assert "過去の投稿" in client.get("/triage/").content.decode()


def test_linked_tab_lists_forwarded_posts_only(login_client, supervisor, citizen, road):
    forwarded = make_post(citizen, text="送付した投稿です")
    waiting = make_post(citizen, text="未処理の投稿です")
    post_forward(
        post=forwarded, user=supervisor, category=road, department=road.department, title="t"
    )
    client = login_client(supervisor)
    new_page = client.get("/triage/").content.decode()
    linked_page = client.get("/triage/?state=linked").content.decode()
    assert "未処理の投稿です" in new_page and "送付した投稿です" not in new_page
    assert "送付した投稿です" in linked_page and "未処理の投稿です" not in linked_page
    assert waiting.pk


# --- Open311 ------------------------------------------------------------------------------------


def test_open311_shows_flowed_back_status_and_public_reply_only(supervisor, staff_tobu, post, road):
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    post_publish(post=post, user=supervisor)
    url = f"/public/open311/v2/requests/{post.pk}.json"
    data = json.loads(Client().get(url).content)[0]
    assert data["status"] == "open"
    assert data["service_notice"] == "対応中"
    assert data["status_notes"] == ""
    assert json.loads(Client().get("/public/open311/v2/requests.json?status=open").content)
    case_reply(case=case, user=staff_tobu, reply_text="内部の回答 担当 山田")
    post_respond(post=fresh(post), user=supervisor, public_text="穴", public_reply="補修しました。")
    data = json.loads(Client().get(url).content)[0]
    assert data["status"] == "closed"
    assert data["service_notice"] == "対応完了"
    assert data["status_notes"] == "補修しました。"
    assert "山田" not in Client().get(url).content.decode()
    closed = json.loads(Client().get("/public/open311/v2/requests.json?status=closed").content)
    assert [item["service_request_id"] for item in closed] == [str(post.pk)]
    still_open = json.loads(Client().get("/public/open311/v2/requests.json?status=open").content)
    assert still_open == []


def _selected(page: str, name: str) -> list[str]:
    """The labels of the selected options of the select ``name`` on a page."""
    found = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert found is not None, f"no select {name} on the page"
    select = found.group(0)
    return re.findall(r"<option value=\"[^\"]+\" selected>([^<]*)</option>", select)


def test_a_road_damage_post_is_prefilled_to_the_roads_department_never_hygiene(
    login_client, supervisor, citizen, post_routing
):
    """The demo's routing (the one seed_demo loads): 道路の損傷 → 道路の陥没・損傷 →
    東部建設事務所. In a trial, picked by hand, road damage went to the hygiene office."""
    post = make_post(citizen, text="歩道に穴があいています。", address="中央区加納町6丁目")
    client = login_client(supervisor)
    response = client.get(f"/triage/posts/{post.pk}/")
    page = response.content.decode()
    assert _selected(page, "category") == [
        "道路・公園・河川・放置自転車ダイヤル / 道路の陥没・損傷"
    ]
    assert _selected(page, "department") == ["建設局 東部建設事務所"]
    assert "健康局 衛生監視事務所" not in _selected(page, "department")
    assert (
        "投稿区分「道路の損傷」の振り分けから、種別「道路の陥没・損傷」と所管課"
        "「建設局 東部建設事務所」を入れました。" in page
    )

    # One confirmation: the prefilled form, sent as it stands.
    form = response.context["forward_form"]
    client.post(f"/triage/posts/{post.pk}/forward/", form.initial)
    case = Post.objects.get(pk=post.pk).case
    assert case.department.code == "kensetsu-tobu"
    assert case.category.code == "road-damage" and case.category.dial.code == "roads"


def test_every_routed_post_category_prefills_its_case_categorys_department(
    login_client, supervisor, citizen, post_routing
):
    client = login_client(supervisor)
    routed = {code: category for code, category in post_routing.items() if category}
    assert set(routed) >= {"road-damage", "park-equipment", "street-light", "illegal-dumping"}
    for code, category in routed.items():
        post = make_post(citizen, category=PostCategory.objects.get(code=code))
        page = client.get(f"/triage/posts/{post.pk}/").content.decode()
        assert _selected(page, "category") == [str(category)], code
        assert _selected(page, "department") == [category.department.name], code


def test_an_unrouted_category_asks_the_supervisor_to_choose(
    login_client, supervisor, citizen, post_routing
):
    assert post_routing["other"] is None
    post = make_post(citizen, category=PostCategory.objects.get(code="other"))
    page = login_client(supervisor).get(f"/triage/posts/{post.pk}/").content.decode()
    assert _selected(page, "category") == [] and _selected(page, "department") == []
    assert "投稿区分「その他」には振り分けがありません。種別と所管課を選んでください。" in page


def test_routing_to_an_inactive_department_is_not_prefilled(
    login_client, supervisor, citizen, post_routing
):
    post_routing["road-damage"].department.__class__.objects.filter(code="kensetsu-tobu").update(
        active=False
    )
    post = make_post(citizen)
    page = login_client(supervisor).get(f"/triage/posts/{post.pk}/").content.decode()
    assert _selected(page, "department") == []
    assert "振り分けがありません" in page
