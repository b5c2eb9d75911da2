"""A supervisor blurs a number plate: drags a rectangle on the photo, types a second one,
saves, and the public post page shows the blurred photo."""

import io
import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import expect

from kobepost.public.models import PostPhoto
from kobepost.public.photos import clean_photo, store_photo
from kobepost.public.tests.fixtures import make_citizen, make_post
from kobepost.triage.tests.test_photo_redaction import checkerboard, png_upload
from tests.browser.conftest import assert_accessible

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published_photo(post_categories, private_media):
    post = make_post(make_citizen(), published=True)
    photo = clean_photo(png_upload(checkerboard((480, 320), square=4)))
    return PostPhoto.objects.create(
        post=post, file_name=store_photo(photo), width=photo.width, height=photo.height
    )


def region_difference(first: bytes, second: bytes, box: tuple[int, int, int, int]) -> float:
    with Image.open(io.BytesIO(first)) as a, Image.open(io.BytesIO(second)) as b:
        difference = ImageChops.difference(a.convert("RGB").crop(box), b.convert("RGB").crop(box))
        return sum(ImageStat.Stat(difference).mean) / 3


def test_supervisor_draws_and_types_rectangles_and_the_public_sees_them_blurred(
    page, live_server, login, supervisor, published_photo, browser
):
    base = live_server.url
    post = published_photo.post
    with default_storage.open(published_photo.file_name, "rb") as stored:
        original = stored.read()
    page.set_viewport_size(DESKTOP)
    login(page, supervisor)
    page.goto(f"{base}/triage/posts/{post.pk}/")
    page.get_by_role("link", name=re.compile("ぼかしを入れる")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("写真にぼかしを入れる")
    assert_accessible(page)

    # Drag over the left half of the photo: the first row gets the numbers.
    image = page.get_by_role("img", name="ぼかしを入れる前の写真")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    expect(page.locator("#redact-status")).to_have_text("範囲 1 を表に入れました。")
    x = page.locator("input[name='rect-0-x']")
    expect(x).not_to_have_value("")
    assert abs(float(x.input_value()) - 10) < 2
    assert abs(float(page.locator("input[name='rect-0-w']").input_value()) - 30) < 2

    # The keyboard way: a second rectangle typed into the next row.
    for name, value in zip("xywh", ("60", "60", "30", "30"), strict=True):
        page.locator(f"input[name='rect-1-{name}']").fill(value)
    expect(page.locator(".redact-box")).to_have_count(2)
    assert_accessible(page)
    page.get_by_role("button", name="ぼかしを保存").click()
    expect(page.get_by_text("写真に 2 か所のぼかしを入れました。")).to_be_visible()
    expect(page.get_by_text("ぼかし済み")).to_be_visible()
    assert_accessible(page)

    published_photo.refresh_from_db()
    public = browser.new_page(viewport=DESKTOP)
    public.goto(f"{base}/public/posts/{post.pk}/")
    photo = public.get_by_role("img", name=re.compile("投稿写真"))
    expect(photo).to_be_visible()
    src = photo.get_attribute("src")
    assert src == f"/public/photos/{published_photo.public_id}.jpg"
    served = public.request.get(f"{base}{src}").body()
    width, height = published_photo.width, published_photo.height
    typed = (int(width * 0.6), int(height * 0.6), int(width * 0.9), int(height * 0.9))
    drawn = (int(width * 0.12), int(height * 0.22), int(width * 0.38), int(height * 0.48))
    untouched = (int(width * 0.45), 0, int(width * 0.55), int(height * 0.15))
    assert region_difference(original, served, typed) > 60
    assert region_difference(original, served, drawn) > 60
    assert region_difference(original, served, untouched) < 5
    assert_accessible(public)
    public.close()
