"""A citizen's post travels to a department and back: the citizen posts on a phone, a
supervisor forwards it, the department works on the case, the supervisor publishes the
public reply, and the citizen sees 対応完了 with the reply."""

import re

import pytest
from playwright.sync_api import expect

from kobepost.public.models import Post, PostCategory
from kobepost.public.tests.fixtures import jpeg_bytes, make_citizen, make_post
from tests.browser.conftest import assert_accessible
from tests.browser.test_citizen_flow import PHONE, field, register_citizen
from tickets.models import Case, Category
from tickets.services import case_reply

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def road_routing(kobe, post_categories):
    category = Category.objects.get(code="road-damage")
    PostCategory.objects.filter(code="road-damage").update(ticket_category=category)
    return category


def test_post_forwarded_answered_and_closed(
    page, live_server, login, supervisor, staff_tobu, road_routing, private_media, browser
):
    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/public/register/")
    register_citizen(
        page,
        username="sannomiya_hanako",
        password="flower-clock-1957-kobe",
        address="神戸市中央区加納町6-5-1",
        nickname="はなとけい",
        name="三宮 花子",
        kana="サンノミヤ ハナコ",
        phone="078-331-0000",
        email="hanako@example.jp",
        gender="female",
        birth_year="1988",
        occupation="employee",
    )
    expect(page).to_have_url(f"{base}/public/post/")

    field(page, "投稿区分").select_option(label="道路の損傷")
    field(page, "投稿内容").fill("市役所前の歩道に大きな穴があいています。")
    field(page, "写真（4枚まで）").set_input_files(
        files=[{"name": "hole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.locator("#public-map").click(position={"x": 180, "y": 120})
    expect(page.locator("#position-status")).to_have_text("地図で場所を選びました。")
    page.get_by_role("button", name="投稿する").click()
    expect(page).to_have_url(f"{base}/public/my/")
    post = Post.objects.get()
    assert post.lat is not None

    # The supervisor forwards it; category and department come prefilled from the routing.
    staff = browser.new_page(viewport=DESKTOP)
    login(staff, supervisor)
    staff.goto(f"{base}/triage/")
    assert_accessible(staff)
    staff.get_by_role("link", name=f"#{post.pk}").click()
    assert_accessible(staff)
    expect(field(staff, "所管課")).to_have_value(str(road_routing.department_id))
    field(staff, "タイトル").fill("市役所前 歩道の穴")
    staff.get_by_role("button", name="所管課へ送付する").click()
    expect(staff.get_by_text(re.compile(r"建設局 東部建設事務所 へ送付しました"))).to_be_visible()
    case = Case.objects.get()
    assert case.channel == Case.Channel.KOBE_POST and case.caller_name == ""
    expect(staff.get_by_role("link", name=case.reference)).to_be_visible()
    assert_accessible(staff)

    # The department opens the case and starts the work.
    department = browser.new_page(viewport=DESKTOP)
    login(department, staff_tobu)
    department.goto(f"{base}/callcenter/cases/{case.pk}/")
    expect(department.get_by_role("heading", level=1)).to_contain_text("市役所前 歩道の穴")
    expect(department.get_by_role("heading", name="KOBE ぽすと投稿")).to_be_visible()
    expect(department.get_by_text("三宮 花子")).to_have_count(0)
    department.get_by_role("button", name="対応を開始する").click()
    expect(department.locator(".status").first).to_have_text("所管課対応中")
    department.close()

    page.reload()
    expect(page.locator(".status").first).to_have_text("対応中")

    # The department's internal answer (no reply screen yet: through the service).
    case_reply(case=case, user=staff_tobu, reply_text="補修済み。担当: 東部 山田（内部用）")

    staff.reload()
    expect(staff.get_by_text("補修済み。担当: 東部 山田（内部用）")).to_be_visible()
    field(staff, "市からの回答（公開）").fill("穴を補修しました。ご報告ありがとうございました。")
    field(staff, "対応後の写真").set_input_files(
        files=[{"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    staff.get_by_role("button", name="保存").click()
    expect(staff.get_by_text("公開内容と回答を保存しました。")).to_be_visible()
    staff.get_by_role("button", name="公開する").click()
    expect(staff.get_by_text(re.compile(r"を公開しました。"))).to_be_visible()
    assert_accessible(staff)
    staff.close()
    case.refresh_from_db()
    assert case.status == Case.Status.CITIZEN_ANSWERED

    page.reload()
    expect(page.locator(".status").first).to_have_text("対応完了")
    expect(page.get_by_text("穴を補修しました。ご報告ありがとうございました。")).to_be_visible()
    expect(page.get_by_text("内部用")).to_have_count(0)
    page.get_by_role("link", name=re.compile(f"受付番号 {post.pk}")).click()
    expect(page.get_by_role("img", name=re.compile("対応後の写真"))).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_supervisor_forwards_a_post_with_one_confirmation(
    page, live_server, login, supervisor, post_categories, post_routing, private_media
):
    """Category, department and title come prefilled from the routing the demo seeds; the
    supervisor reads the routing note and presses one button."""
    post = make_post(
        make_citizen(), text="三宮の交差点の手前に深い穴があります。", address="中央区三宮町1丁目"
    )
    page.set_viewport_size(DESKTOP)
    login(page, supervisor)
    page.goto(f"{live_server.url}/triage/posts/{post.pk}/")
    expect(page.locator("#forward-routing")).to_contain_text(
        "種別「道路の陥没・損傷」と所管課「建設局 東部建設事務所」を入れました"
    )
    expect(field(page, "所管課")).to_have_value(str(post_routing["road-damage"].department_id))
    assert_accessible(page)
    page.get_by_role("button", name="所管課へ送付する").click()
    expect(page.get_by_text(re.compile(r"建設局 東部建設事務所 へ送付しました"))).to_be_visible()
    case = Case.objects.get()
    assert case.department.code == "kensetsu-tobu" and case.category.code == "road-damage"
    assert case.title.startswith("道路の損傷 中央区三宮町1丁目")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
