"""Blurring faces and number plates in a post's photo: only the rectangles change, the
public copy is the blurred one, the original stays with supervisors, audited and disposed."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageStat

from kobepost.audit.models import AuditAction, AuditEvent
from kobepost.public.forms import redaction_formset
from kobepost.public.models import Post, PostPhoto
from kobepost.public.photos import MAX_REDACTIONS, Redaction, clean_photo, redact_image, store_photo
from kobepost.public.services import OriginalGone, photo_drop_original, photo_redact
from kobepost.public.tests.fixtures import make_post

WIDTH, HEIGHT = 240, 160


def checkerboard(size=(WIDTH, HEIGHT), square: int = 1) -> Image.Image:
    """Black and white squares: any two neighbouring pixels differ, as in fine print."""
    image = Image.new("RGB", size, "white")
    black = Image.new("RGB", (square, square), "black")
    for top in range(0, size[1], square):
        for left in range((top // square) % 2 * square, size[0], 2 * square):
            image.paste(black, (left, top))
    return image


def png_upload(image: Image.Image) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("plate.png", out.getvalue(), content_type="image/png")


def decoded(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as stored, Image.open(stored) as image:
        image.load()
        return image.convert("RGB")


@pytest.fixture
def post(citizen):
    post = make_post(citizen, published=True)
    photo = clean_photo(png_upload(checkerboard(square=8)))
    PostPhoto.objects.create(
        post=post, file_name=store_photo(photo), width=photo.width, height=photo.height
    )
    return post


@pytest.fixture
def photo(post):
    return post.photos.get()


def rect_post(*rects, total=None):
    data = {"rect-TOTAL_FORMS": str(total or len(rects)), "rect-INITIAL_FORMS": "0"}
    for index, values in enumerate(rects):
        for name, value in zip("xywh", values, strict=True):
            data[f"rect-{index}-{name}"] = str(value)
    return data


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


# --- the pixels ----------------------------------------------------------------------------

FINE = checkerboard((97, 61))


@st.composite
def redactions(draw):
    x = draw(st.floats(0, 99.99, allow_nan=False))
    y = draw(st.floats(0, 99.99, allow_nan=False))
    w = draw(st.floats(0.01, 100 - x, allow_nan=False))
    h = draw(st.floats(0.01, 100 - y, allow_nan=False))
    return Redaction(x=x, y=y, w=w, h=h)


@given(st.lists(redactions(), min_size=1, max_size=3))
@settings(max_examples=60, deadline=None)
def test_only_pixels_inside_the_rectangles_change(rects):
    result = redact_image(FINE, rects)
    assert result.size == FINE.size
    boxes = [r.box(*FINE.size) for r in rects]
    inside = Image.new("L", FINE.size, 0)
    for box in boxes:
        left, top, right, bottom = box
        assert 0 <= left < right <= FINE.width and 0 <= top < bottom <= FINE.height
        inside.paste(255, box)
    # Outside every rectangle: the very same pixels.
    outside = Image.composite(FINE, result, inside)
    assert ImageChops.difference(outside, FINE).getbbox() is None
    # Inside: every pixel of a rectangle of two pixels or more is changed (a lone pixel is
    # its own average).
    changed = ImageChops.difference(result, FINE).convert("L").point(lambda v: 255 if v else 0)
    for left, top, right, bottom in boxes:
        if (right - left) * (bottom - top) >= 2:
            box = (left, top, right, bottom)
            assert ImageStat.Stat(changed.crop(box)).extrema[0][0] == 255, box


@given(
    x=st.floats(-1e6, 1e6, allow_nan=False),
    y=st.floats(-1e6, 1e6, allow_nan=False),
    w=st.floats(-1e6, 1e6, allow_nan=False),
    h=st.floats(-1e6, 1e6, allow_nan=False),
)
@settings(max_examples=200, deadline=None)
def test_a_rectangle_fits_only_inside_the_photo_and_never_covers_nothing(x, y, w, h):
    rect = Redaction(x=x, y=y, w=w, h=h)
    assert rect.fits() == (x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= 100 and y + h <= 100)
    if rect.fits():
        left, top, right, bottom = rect.box(WIDTH, HEIGHT)
        assert 0 <= left < right <= WIDTH and 0 <= top < bottom <= HEIGHT


def test_a_plate_is_unreadable_after_blurring():
    plate = checkerboard((200, 60), square=3)  # strokes three pixels wide
    result = redact_image(plate, [Redaction(x=0, y=0, w=100, h=100)])
    # What is left is a smooth grey: no stroke survives as a contrast.
    low, high = ImageStat.Stat(result.convert("L")).extrema[0]
    assert high - low < 40


# --- the service ---------------------------------------------------------------------------


def test_redacting_blurs_the_public_copy_and_keeps_the_original(photo, supervisor):
    source = photo.file_name
    before = decoded(source)
    rect = Redaction(x=25, y=25, w=50, h=50)

    photo_redact(photo=photo, user=supervisor, redactions=[rect])

    photo.refresh_from_db()
    assert photo.original_name == source and photo.file_name != source
    assert photo.redactions == [{"x": 25, "y": 25, "w": 50, "h": 50}]
    after = decoded(photo.file_name)
    box = rect.box(photo.width, photo.height)
    assert mean_difference(before.crop(box), after.crop(box)) > 60
    # Outside the rectangle only the JPEG's own re-encoding noise.
    mask = Image.new("L", before.size, 255)
    mask.paste(0, box)
    blank = Image.new("RGB", before.size)
    assert (
        mean_difference(Image.composite(before, blank, mask), Image.composite(after, blank, mask))
        < 2
    )
    assert decoded(source).tobytes() == before.tobytes(), "the original is untouched"


def test_the_blurred_copy_carries_no_metadata(photo, supervisor):
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=10, h=10)])
    photo.refresh_from_db()
    with default_storage.open(photo.file_name, "rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info


def test_redoing_starts_from_the_original_and_removes_the_previous_copy(
    photo, supervisor, django_capture_on_commit_callbacks
):
    original = decoded(photo.file_name)
    first_box = Redaction(x=0, y=0, w=40, h=40)
    with django_capture_on_commit_callbacks(execute=True):
        photo_redact(photo=photo, user=supervisor, redactions=[first_box])
    photo.refresh_from_db()
    first_copy = photo.file_name
    with django_capture_on_commit_callbacks(execute=True):
        photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=60, y=60, w=40, h=40)])
    photo.refresh_from_db()
    assert not default_storage.exists(first_copy)
    box = first_box.box(photo.width, photo.height)
    assert mean_difference(original.crop(box), decoded(photo.file_name).crop(box)) < 2, (
        "the first rectangle is no longer blurred: the redo started from the original"
    )


@pytest.mark.parametrize(
    ("rects", "message"),
    [
        ([], "1つ以上"),
        ([Redaction(x=90, y=0, w=20, h=10)], "はみ出して"),
        ([Redaction(x=10, y=10, w=0, h=10)], "はみ出して"),
        ([Redaction(x=1, y=1, w=1, h=1)] * (MAX_REDACTIONS + 1), "20 か所まで"),
    ],
)
def test_the_service_refuses_what_cannot_be_blurred(photo, supervisor, rects, message):
    name = photo.file_name
    with pytest.raises(ValueError, match=message):
        photo_redact(photo=photo, user=supervisor, redactions=rects)
    photo.refresh_from_db()
    assert photo.file_name == name and photo.original_name == ""


def test_dropping_the_original_ends_redoing(photo, supervisor, django_capture_on_commit_callbacks):
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=10, h=10)])
    photo.refresh_from_db()
    original = photo.original_name
    with django_capture_on_commit_callbacks(execute=True):
        photo_drop_original(photo=photo, user=supervisor)
    photo.refresh_from_db()
    assert photo.original_name == "" and not default_storage.exists(original)
    assert default_storage.exists(photo.file_name)
    with pytest.raises(OriginalGone):
        photo_drop_original(photo=photo, user=supervisor)
    with pytest.raises(OriginalGone):
        photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=9, h=9)])
    assert AuditEvent.objects.filter(
        action=AuditAction.PHOTO_ORIGINAL_DROPPED, record_id=str(photo.pk), user=supervisor
    ).exists()


# --- the screens ---------------------------------------------------------------------------


def test_supervisor_blurs_a_photo_and_the_public_gets_the_blurred_copy(
    login_client, supervisor, citizen, citizen_client, post, photo
):
    old_url = f"/public/photos/{photo.public_id}.jpg"
    with default_storage.open(photo.file_name, "rb") as stored:
        original_bytes = stored.read()
    client = login_client(supervisor)
    page = client.get(f"/triage/posts/{post.pk}/").content.decode()
    redact_url = f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/"
    assert f'href="{redact_url}"' in page

    form_page = client.get(redact_url)
    assert form_page.status_code == 200
    assert f"/triage/photos/{photo.public_id}/original.jpg" in form_page.content.decode()
    response = client.post(redact_url, rect_post((10, 20, 30, 40)))
    assert response.status_code == 302 and response["Location"] == f"/triage/posts/{post.pk}/"
    assert "1 か所のぼかしを入れました" in client.get(response["Location"]).content.decode()

    photo.refresh_from_db()
    new_url = f"/public/photos/{photo.public_id}.jpg"
    assert new_url != old_url
    assert Client().get(old_url).status_code == 404, "the old address shows nothing"
    with default_storage.open(photo.file_name, "rb") as stored:
        blurred_bytes = stored.read()
    for viewer in (Client(), citizen_client(citizen)):
        served = viewer.get(new_url)
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == blurred_bytes != original_bytes
    assert new_url in Client().get(f"/public/posts/{post.pk}/").content.decode()
    open311 = Client().get("/public/open311/v2/requests.json").content.decode()
    assert str(photo.public_id) in open311


def test_the_original_is_for_supervisors_only(
    login_client, supervisor, operator, staff_tobu, citizen, citizen_client, photo
):
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=50, h=50)])
    photo.refresh_from_db()
    url = f"/triage/photos/{photo.public_id}/original.jpg"
    with default_storage.open(photo.original_name, "rb") as stored:
        original_bytes = stored.read()
    for viewer in (
        Client(),
        citizen_client(citizen),
        login_client(operator),
        login_client(staff_tobu),
    ):
        response = viewer.get(url)
        assert response.status_code in (302, 403, 404)
        assert original_bytes not in response.content
    response = login_client(supervisor).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == original_bytes
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_VIEW, record_id=str(photo.pk), fields=["original"]
    ).exists()


def test_who_blurred_what_and_when_is_audited(login_client, supervisor, post, photo):
    client = login_client(supervisor)
    client.post(
        f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/",
        rect_post((10, 20, 30, 40), (50, 50, 12.5, 7.25)),
    )
    row = AuditEvent.objects.get(action=AuditAction.PHOTO_REDACT)
    photo.refresh_from_db()
    assert row.user == supervisor and row.username == supervisor.username
    assert (row.record_type, row.record_id) == ("kobepost.postphoto", str(photo.pk))
    assert row.detail == f"kobepost.post={post.pk} rectangles=10,20,30,40;50,50,12.5,7.25"
    assert row.address == "127.0.0.1" and row.path.endswith("/redact/")
    assert abs(row.occurred_at - photo.redacted_at) < datetime.timedelta(seconds=5)


def test_a_redo_is_offered_with_the_rectangles_of_the_last_blur(
    login_client, supervisor, post, photo
):
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=12.5, y=3, w=20, h=9)])
    photo.refresh_from_db()
    page = (
        login_client(supervisor)
        .get(f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/")
        .content.decode()
    )
    assert 'name="rect-0-x" value="12.5"' in page and 'name="rect-0-h" value="9"' in page
    assert "ぼかしを保存" in page and "元の写真を削除" in page


@pytest.mark.parametrize(
    ("rects", "message"),
    [
        ([(120, 0, 10, 10)], "0〜100 の数で入力してください"),
        ([("abc", 0, 10, 10)], "0〜100 の数で入力してください"),
        ([(80, 0, 30, 10)], "左端からの位置と幅の合計が 100% を超えています"),
        ([(0, 95, 10, 10)], "上端からの位置と高さの合計が 100% を超えています"),
        ([(10, 10, "", 10)], "位置と大きさの4つをすべて入力してください"),
        ([(10, 10, 0, 10)], "幅と高さは 0 より大きくしてください"),
        ([("", "", "", "")], "ぼかす範囲を1つ以上指定してください"),
    ],
)
def test_bad_rectangles_get_a_japanese_message_and_keep_what_was_typed(
    login_client, supervisor, post, photo, rects, message
):
    url = f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/"
    response = login_client(supervisor).post(url, rect_post(*rects))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    for index, values in enumerate(rects):
        for name, value in zip("xywh", values, strict=True):
            if value != "":
                assert f'name="rect-{index}-{name}" value="{value}"' in page
    photo.refresh_from_db()
    assert not photo.is_redacted


def test_more_rectangles_than_allowed_are_refused(login_client, supervisor, post, photo):
    url = f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/"
    rects = [(1, 1, 1, 1)] * (MAX_REDACTIONS + 1)
    response = login_client(supervisor).post(url, rect_post(*rects))
    assert response.status_code == 400
    assert "ぼかす範囲は 20 か所までです" in response.content.decode()
    crafted = login_client(supervisor).post(url, {"rect-TOTAL_FORMS": "1000000"})
    assert crafted.status_code == 400


def test_full_width_numbers_and_percent_signs_are_understood():
    formset = redaction_formset(rect_post(("１０．５％", " 20 ", "30%", "40")))
    assert formset.is_valid(), formset.errors
    assert formset.redactions() == [Redaction(x=10.5, y=20, w=30, h=40)]


@given(st.lists(st.tuples(*[st.text(max_size=12)] * 4), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_whatever_is_typed_gives_rectangles_inside_the_photo_or_errors(rows):
    formset = redaction_formset(rect_post(*rows))
    if formset.is_valid():
        rects = formset.redactions()
        assert 1 <= len(rects) <= MAX_REDACTIONS
        assert all(rect.fits() for rect in rects)
    else:
        assert formset.errors or formset.non_form_errors()


def test_without_the_original_the_page_says_so(login_client, supervisor, post, photo):
    photo_redact(photo=photo, user=supervisor, redactions=[Redaction(x=0, y=0, w=10, h=10)])
    photo_drop_original(photo=photo, user=supervisor)
    photo.refresh_from_db()
    url = f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/"
    client = login_client(supervisor)
    assert "ぼかしをやり直せません" in client.get(url).content.decode()
    response = client.post(url, rect_post((0, 0, 5, 5)))
    assert response.status_code == 400 and "ぼかしをやり直せません" in response.content.decode()


@pytest.mark.parametrize("user_fixture", ["operator", "staff_tobu"])
def test_only_supervisors_blur(request, login_client, user_fixture, post, photo):
    client = login_client(request.getfixturevalue(user_fixture))
    url = f"/triage/posts/{post.pk}/photos/{photo.public_id}/redact/"
    assert client.get(url).status_code == 403
    assert client.post(url, rect_post((0, 0, 5, 5))).status_code == 403
    drop = f"/triage/posts/{post.pk}/photos/{photo.public_id}/drop-original/"
    assert client.post(drop).status_code == 403
    photo.refresh_from_db()
    assert not photo.is_redacted


def test_a_photo_of_another_post_is_not_found(login_client, supervisor, citizen, photo):
    other = make_post(citizen)
    url = f"/triage/posts/{other.pk}/photos/{photo.public_id}/redact/"
    assert login_client(supervisor).get(url).status_code == 404
    assert Post.objects.count() == 2
