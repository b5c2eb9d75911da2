"""Supervisor triage of citizen posts: actions, permissions, methods, database state."""

import datetime

import pytest
from django.test import Client

from kobepost.public.models import Post, PostPhoto
from kobepost.public.services import citizen_delete
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post


@pytest.fixture
def post(citizen):
    return make_post(citizen, photos=2)


ACTIONS = ["publish", "unpublish", "reject", "duplicate", "respond"]


def test_queue_shows_new_posts_with_history(
    login_client, supervisor, citizen, post, django_assert_max_num_queries
):
    make_post(citizen)
    client = login_client(supervisor)
    with django_assert_max_num_queries(12):
        page = client.get("/triage/").content.decode()
    assert f'<a href="/triage/posts/{post.pk}/">#{post.pk}</a>' in page
    assert "過去の投稿 1 件" in page
    assert "2枚" in page
    first_photo = post.photos.filter(kind=PostPhoto.Kind.CITIZEN).order_by("pk").first()
    assert f'<img src="/triage/photos/{first_photo.public_id}.jpg"' in page
    for _ in range(5):
        make_post(make_citizen(f"other_{_}"), photos=1)
    with django_assert_max_num_queries(12):
        client.get("/triage/")


def test_queue_rows_show_an_excerpt_and_the_local_time(login_client, supervisor, citizen):
    short = make_post(citizen, text="短い投稿")
    long = make_post(citizen, text="あ" * 79 + "いう")
    Post.objects.filter(pk=short.pk).update(
        created_at=datetime.datetime(2026, 11, 3, 23, 30, tzinfo=datetime.UTC)
    )
    page = login_client(supervisor).get("/triage/").content.decode()
    assert "<td>11/4 08:30</td>" in page  # Japan time, the next morning
    assert "<td>短い投稿<br>" in page
    assert f"<td>{'あ' * 79}…<br>" in page and "いう" not in page
    assert long.pk


def test_queue_tabs(login_client, supervisor, citizen):
    new = make_post(citizen, text="新しい投稿です")
    shown = make_post(citizen, text="公開中の投稿です", published=True)
    client = login_client(supervisor)
    assert "新しい投稿です" in client.get("/triage/").content.decode()
    assert "公開中の投稿です" not in client.get("/triage/").content.decode()
    assert "公開中の投稿です" in client.get("/triage/?state=published").content.decode()
    assert new.pk and shown.pk


def test_pages_of_a_tab_stay_on_that_tab(login_client, supervisor, citizen, monkeypatch):
    from kobepost.triage import views as triage_views

    monkeypatch.setattr(triage_views, "PAGE_SIZE", 1)
    for number in range(2):
        make_post(citizen, text=f"公開中の投稿 {number}", published=True)
    client = login_client(supervisor)
    first = client.get("/triage/?state=published").content.decode()
    assert 'href="?state=published&amp;page=2"' in first
    second = client.get("/triage/?state=published&page=2").content.decode()
    assert "公開中の投稿" in second and 'href="?state=published&amp;page=1"' in second


def test_publish_and_unpublish(login_client, supervisor, post):
    client = login_client(supervisor)
    assert Client().get(f"/public/posts/{post.pk}/").status_code == 404
    response = client.post(f"/triage/posts/{post.pk}/publish/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.published and post.published_at
    assert Client().get(f"/public/posts/{post.pk}/").status_code == 200
    client.post(f"/triage/posts/{post.pk}/unpublish/")
    post.refresh_from_db()
    assert not post.published
    assert Client().get(f"/public/posts/{post.pk}/").status_code == 404


def test_reject_for_another_body_needs_its_name(login_client, supervisor, post):
    client = login_client(supervisor)
    response = client.post(f"/triage/posts/{post.pk}/reject/", {"rejection": "other_body"})
    assert response.status_code == 400
    assert "所管する機関を入力してください" in response.content.decode()
    post.refresh_from_db()
    assert not post.rejection
    response = client.post(
        f"/triage/posts/{post.pk}/reject/",
        {
            "rejection": "other_body",
            "rejection_note": "国道2号は国土交通省 兵庫国道事務所の管理です",
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.rejection == "other_body" and "兵庫国道事務所" in post.rejection_note
    assert client.post(f"/triage/posts/{post.pk}/publish/").status_code == 302
    post.refresh_from_db()
    assert not post.published, "a rejected post is never published"


def test_mark_duplicate(login_client, supervisor, citizen, post):
    original = make_post(citizen)
    client = login_client(supervisor)
    assert (
        client.post(f"/triage/posts/{post.pk}/duplicate/", {"duplicate_of": post.pk}).status_code
        == 400
    )
    assert (
        client.post(f"/triage/posts/{post.pk}/duplicate/", {"duplicate_of": 99999}).status_code
        == 400
    )
    response = client.post(f"/triage/posts/{post.pk}/duplicate/", {"duplicate_of": original.pk})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.rejection == "duplicate" and post.duplicate_of == original


def test_respond_edits_public_text_status_reply_and_adds_repair_photo(
    login_client, supervisor, citizen, citizen_client, post
):
    client = login_client(supervisor)
    response = client.post(
        f"/triage/posts/{post.pk}/respond/",
        {
            "public_text": "歩道の穴（公開用）",
            "status": "done",
            "public_reply": "6月1日に補修しました。",
            "repair_photo": [jpeg_upload("after.jpg")],
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.public_text == "歩道の穴（公開用）"
    assert post.text == "歩道に穴があいています。", "the original text is kept"
    assert post.status == "done" and post.public_reply == "6月1日に補修しました。"
    assert post.photos.filter(kind=PostPhoto.Kind.AFTER_REPAIR).count() == 1
    my_page = citizen_client(citizen).get("/public/my/").content.decode()
    assert "6月1日に補修しました。" in my_page and "対応完了" in my_page


def test_respond_with_bad_status_changes_nothing(login_client, supervisor, post):
    response = login_client(supervisor).post(
        f"/triage/posts/{post.pk}/respond/",
        {"public_text": "x", "status": "unknown", "public_reply": "y"},
    )
    assert response.status_code == 400
    post.refresh_from_db()
    assert post.public_text == "歩道に穴があいています。" and post.public_reply == ""


def test_hidden_photo_is_not_public(login_client, supervisor, citizen, citizen_client, post):
    post.published = True
    post.save()
    photo = post.photos.first()
    url = f"/public/photos/{photo.public_id}.jpg"
    assert Client().get(url).status_code == 200
    client = login_client(supervisor)
    response = client.post(
        f"/triage/posts/{post.pk}/photos/{photo.public_id}/visibility/", {"hidden": "1"}
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.hidden
    assert Client().get(url).status_code == 404
    assert citizen_client(citizen).get(url).status_code == 200, "the poster still sees it"
    assert client.get(f"/triage/photos/{photo.public_id}.jpg").status_code == 200
    assert (
        str(photo.public_id)
        not in Client().get("/public/open311/v2/requests.json").content.decode()
    )


@pytest.mark.parametrize("user_fixture", ["operator", "staff_tobu", "admin_user"])
def test_only_supervisors_triage(request, login_client, user_fixture, post):
    client = login_client(request.getfixturevalue(user_fixture))
    assert client.get("/triage/").status_code == 403
    assert client.get(f"/triage/posts/{post.pk}/").status_code == 403
    for action in ACTIONS:
        assert client.post(f"/triage/posts/{post.pk}/{action}/").status_code == 403
    post.refresh_from_db()
    assert not post.published


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_post_only(login_client, supervisor, post, action):
    assert login_client(supervisor).get(f"/triage/posts/{post.pk}/{action}/").status_code == 405


def test_detail_and_unknown_post(login_client, supervisor, post):
    client = login_client(supervisor)
    page = client.get(f"/triage/posts/{post.pk}/").content.decode()
    assert "兵庫国道事務所" in page
    assert post.text in page
    assert client.get("/triage/posts/999999/").status_code == 404
    assert client.post("/triage/posts/999999/publish/").status_code == 404


def test_anonymous_goes_to_staff_login(client, db):
    response = client.get("/triage/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_citizen_deletion_keeps_post_for_triage(login_client, supervisor, citizen, post):
    citizen_delete(citizen=citizen)
    post.refresh_from_db()
    page = login_client(supervisor).get(f"/triage/posts/{post.pk}/").content.decode()
    assert "匿名" in page
    assert Post.objects.filter(pk=post.pk).exists()


def test_queue_counts_without_joins_and_loads_no_personal_data(
    login_client, supervisor, citizen, post
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_client(supervisor)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/triage/").content.decode()
    assert f"#{post.pk}" in page
    posts_sql = [q["sql"] for q in captured.captured_queries if 'FROM "kobepost_post"' in q["sql"]]
    count_sql = [sql for sql in posts_sql if sql.startswith('SELECT COUNT(*) AS "__count"')]
    assert len(count_sql) == 1 and "JOIN" not in count_sql[0]
    # The rows: no citizen's name, address or phone, and not the duplicate post's text.
    assert not any("kobepost_citizen" in sql for sql in posts_sql)
    assert not any('"T5"' in sql for sql in posts_sql)


@pytest.mark.parametrize("state", ["new", "linked", "published", "rejected"])
def test_every_tab_costs_the_same_few_queries(
    login_client, supervisor, citizen, state, django_assert_max_num_queries
):
    client = login_client(supervisor)
    make_post(citizen, photos=1, published=state == "published")
    with django_assert_max_num_queries(8) as one:
        assert client.get(f"/triage/?state={state}").status_code == 200
    for number in range(4):
        make_post(make_citizen(f"tab_{number}"), photos=1, published=state == "published")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"/triage/?state={state}").status_code == 200
