"""Photo intake: content checks, limits, EXIF stripped, upright, nothing stored on refusal."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kobepost.public.models import Post, PostCategory
from kobepost.public.photos import clean_photo
from kobepost.public.tests.fixtures import jpeg_bytes, jpeg_upload


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "KobePhone"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = {1: "N", 2: (34.0, 41.0, 24.0), 3: "E", 4: (135.0, 11.0, 44.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif


def test_gps_exif_is_removed():
    original = jpeg_bytes(exif=gps_exif())
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825), "the test photo must carry GPS data"
    cleaned = clean_photo(SimpleUploadedFile("p.jpg", original))
    with Image.open(io.BytesIO(cleaned.content)) as result:
        assert result.format == "JPEG"
        assert not result.getexif()
        assert "exif" not in result.info
        assert "icc_profile" not in result.info
    assert b"KobePhone" not in cleaned.content
    assert b"GPS" not in cleaned.content


def test_rotated_by_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(80, 40), exif=exif))
    cleaned = clean_photo(upload)
    assert (cleaned.width, cleaned.height) == (40, 80)


def test_png_with_transparency_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(out, format="PNG")
    cleaned = clean_photo(SimpleUploadedFile("p.png", out.getvalue()))
    assert cleaned.content[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    "content",
    [b"hello, this is a text file", b"GIF89a" + b"\x00" * 40, b"\xff\xd8\xff\xe0 broken jpeg"],
)
def test_renamed_or_broken_files_are_refused(content):
    with pytest.raises(ValidationError) as error:
        clean_photo(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert "写真として読み込めない" in error.value.messages[0]


def test_gif_is_refused_even_if_valid():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError):
        clean_photo(SimpleUploadedFile("a.gif", out.getvalue()))


def test_oversized_file_is_refused(settings):
    settings.PUBLIC_PHOTO_MAX_MB = 1
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(ValidationError) as error:
        clean_photo(big)
    assert "大きすぎます" in error.value.messages[0]


def test_decompression_bomb_is_refused(settings):
    # A tiny PNG whose header claims far more pixels than allowed.
    settings.PUBLIC_PHOTO_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (2000, 2000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 50_000
    with pytest.raises(ValidationError) as error:
        clean_photo(SimpleUploadedFile("bomb.png", out.getvalue()))
    assert "画素数が多すぎます" in error.value.messages[0]


def test_pillow_bomb_limit_is_also_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError) as error:
        clean_photo(SimpleUploadedFile("p.jpg", jpeg_bytes(size=(100, 100))))
    assert "画素数が多すぎます" in error.value.messages[0]


def test_large_photo_is_shrunk():
    cleaned = clean_photo(SimpleUploadedFile("p.jpg", jpeg_bytes(size=(4000, 3000))))
    assert max(cleaned.width, cleaned.height) == 2048


def _post_form(category, photos):
    return {
        "category": category.pk,
        "text": "穴",
        "lat": "34.69",
        "lng": "135.19",
        "photos": photos,
    }


def test_form_with_bad_photo_stores_nothing_and_says_why(citizen, citizen_client, private_media):
    category = PostCategory.objects.get(code="park-equipment")
    bad = SimpleUploadedFile("IMG_0001.jpg", b"plain text", content_type="image/jpeg")
    response = citizen_client(citizen).post(
        "/public/post/", _post_form(category, [jpeg_upload(), bad])
    )
    assert response.status_code == 400
    assert "写真として読み込めないファイルです" in response.content.decode()
    assert "穴" in response.content.decode(), "the typed text is kept"
    assert not Post.objects.exists()
    assert not (private_media / "posts").exists() or not list((private_media / "posts").iterdir())


def test_more_than_four_photos_are_refused(citizen, citizen_client):
    category = PostCategory.objects.get(code="park-equipment")
    photos = [jpeg_upload(f"{i}.jpg") for i in range(5)]
    response = citizen_client(citizen).post("/public/post/", _post_form(category, photos))
    assert response.status_code == 400
    assert "写真は4枚までです" in response.content.decode()
    assert not Post.objects.exists()


def test_stored_under_generated_name_without_exif(citizen, citizen_client, private_media):
    category = PostCategory.objects.get(code="park-equipment")
    upload = SimpleUploadedFile("my-home-address.jpg", jpeg_bytes(exif=gps_exif()))
    response = citizen_client(citizen).post("/public/post/", _post_form(category, [upload]))
    assert response.status_code == 302
    stored = list((private_media / "posts").iterdir())
    assert len(stored) == 1
    assert "my-home" not in stored[0].name
    assert b"KobePhone" not in stored[0].read_bytes()


def test_the_photo_input_names_the_accepted_formats(citizen, citizen_client):
    # Browsers convert other formats (Safari: HEIC) into the first one they can make.
    page = citizen_client(citizen).get("/public/post/").content.decode()
    assert 'accept="image/jpeg,image/png,image/heic,image/heif,image/webp"' in page
    assert 'capture="environment"' in page


def _encoded(size, format_name: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format=format_name, quality=80)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "format_name", "content_type"),
    [("IMG_0001.HEIC", "HEIF", "image/heic"), ("photo.webp", "WEBP", "image/webp")],
)
def test_phone_formats_heic_and_webp_are_stored_as_jpeg(name, format_name, content_type):
    upload = SimpleUploadedFile(name, _encoded((1200, 900), format_name), content_type)
    cleaned = clean_photo(upload)
    with Image.open(io.BytesIO(cleaned.content)) as stored:
        assert stored.format == "JPEG" and stored.size == (1200, 900)


def test_a_48_megapixel_phone_photo_is_shrunk_not_refused():
    cleaned = clean_photo(SimpleUploadedFile("big.jpg", jpeg_bytes(size=(8064, 6048))))
    assert (cleaned.width, cleaned.height) == (2048, 1536)


def test_a_48_megapixel_heic_is_shrunk_not_refused():
    cleaned = clean_photo(SimpleUploadedFile("big.heic", _encoded((8064, 6048), "HEIF")))
    assert (cleaned.width, cleaned.height) == (2048, 1536)


def test_nginx_public_body_limit_matches_the_app_and_refuses_in_japanese(settings):
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    conf = (root / "deploy" / "nginx" / "kobepost.conf").read_text()
    public = conf[conf.index("server_name post.kobepost.example.jp;") :]
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", public).group(1))
    app_mb = settings.PUBLIC_PHOTOS_PER_POST * settings.PUBLIC_PHOTO_MAX_MB
    assert app_mb < limit_mb <= app_mb + 5, "nginx must let through what the app accepts"
    assert "error_page 413 /_errors/413.html;" in public
    page = (root / "static" / "errors" / "public-413.html").read_text()
    assert 'lang="ja"' in page and "写真が大きすぎます" in page


def test_photos_survive_a_refused_submit_and_are_previewed(
    citizen, citizen_client, road_category, private_media
):
    from kobepost.public.tests.fixtures import make_citizen

    client = citizen_client(citizen)
    refused = client.post(
        "/public/post/",
        {"category": road_category.pk, "text": "", "address": "中央区", "photos": jpeg_upload()},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "選んである写真" in page
    [photo_id] = re.findall(r'name="kept_photos" value="([0-9a-f]{32})"', page)
    preview = client.get(f"/public/post/kept/{photo_id}.jpg")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    stranger = citizen_client(make_citizen("someone_else"))
    assert stranger.get(f"/public/post/kept/{photo_id}.jpg").status_code == 404
    assert (
        stranger.post(
            "/public/post/",
            {
                "category": road_category.pk,
                "text": "穴",
                "address": "中央区",
                "kept_photos": photo_id,
            },
        ).status_code
        == 302
    )
    assert Post.objects.get().photos.count() == 0, "another session cannot use the photo"

    sent = client.post(
        "/public/post/",
        {
            "category": road_category.pk,
            "text": "穴です",
            "address": "中央区",
            "kept_photos": photo_id,
        },
    )
    assert sent.status_code == 302
    post = Post.objects.get(text="穴です")
    assert post.photos.count() == 1
    assert not list((private_media / "pending").iterdir()), "kept copies are removed"
