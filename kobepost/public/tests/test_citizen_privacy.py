"""No public response ever contains a citizen's personal data (property-based)."""

import json
import re
import uuid

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kobepost.public.models import ApiClient, Citizen, Post
from kobepost.public.tests.fixtures import make_citizen, make_post

# Values long and distinctive enough that a chance match with page text is impossible.
distinct_text = st.text(
    alphabet=st.sampled_from("あいうえおかきくけこアイウエオ山田川森abcdefghXYZ"),
    min_size=12,
    max_size=24,
)
PERSONAL_FIELDS = ["name", "name_kana", "address", "phone", "email"]


@st.composite
def personal_data(draw) -> dict:
    marker = draw(distinct_text)
    return {
        "name": f"氏名{marker}",
        "name_kana": "カナ"
        + draw(st.text(alphabet="アイウエオカキクケコ", min_size=12, max_size=20)),
        "address": f"神戸市中央区{marker}町",
        "phone": "078-"
        + draw(st.sampled_from(["331", "322", "881"]))
        + "-"
        + str(draw(st.integers(1000, 9999))),
        "email": f"{uuid.uuid4().hex}@example.jp",
        "gender": draw(st.sampled_from(Citizen.Gender.values)),
        "birth_year": draw(st.integers(1930, 2010)),
        "occupation": draw(st.sampled_from(Citizen.Occupation.values)),
    }


def public_responses(client: Client, post: Post) -> list[tuple[str, bytes]]:
    photo = post.photos.first()
    assert photo is not None
    paths = [
        "/public/",
        f"/public/posts/{post.pk}/",
        "/public/open311/v2/requests.json",
        "/public/open311/v2/requests.xml",
        f"/public/open311/v2/requests/{post.pk}.json",
        f"/public/open311/v2/requests/{post.pk}.xml",
        f"/public/open311/v2/tokens/{post.token}.json",
        f"/public/open311/v2/tokens/{post.token}.xml",
        f"/public/photos/{photo.public_id}.jpg",
    ]
    results = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
        body = (
            b"".join(response.streaming_content)  # type: ignore[attr-defined]  # streaming
            if response.streaming
            else response.content
        )
        results.append((path, headers + b"\n\n" + body))
    return results


class PublicResponsesHaveNoPersonalData(TestCase):
    @settings(
        max_examples=10, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(data=personal_data(), login_id=st.from_regex(r"[a-z]{6,12}_[0-9]{3}", fullmatch=True))
    def test_no_personal_value_in_any_public_response(self, data, login_id):
        citizen = make_citizen(login_id, nickname="公開ニック", **data)
        post = make_post(citizen, photos=1, published=True, public_reply="修理しました")
        # An API-created post as well, for the api-specific fields.
        client_app = ApiClient(name=f"app-{login_id}")
        client_app.issue_key()
        client_app.save()
        for path, content in public_responses(Client(), post):
            text = content.decode("utf-8", errors="ignore")
            for field in PERSONAL_FIELDS:
                value = str(data[field])
                assert value not in text, f"{field} leaked in {path}"
                assert value.encode() not in content
            assert login_id not in text, f"login id leaked in {path}"
            if path.endswith(".json"):
                self.assert_no_personal_keys(json.loads(content.split(b"\n\n", 1)[-1]), data)
        assert "公開ニック" in Client().get(f"/public/posts/{post.pk}/").content.decode()

    def assert_no_personal_keys(self, payload, data: dict) -> None:
        forbidden = {
            "name",
            "name_kana",
            "phone",
            "email",
            "gender",
            "birth_year",
            "occupation",
            "login_id",
        }
        stack = [payload]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                assert not forbidden & set(item), item.keys()
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            else:
                assert item != data["birth_year"]


# What a response carries that is random, not typed: tokens and ids (UUIDs), hashes and
# signed values (long runs of letters and digits). A phone's digits may turn up inside them
# by chance (the token 33178b2a-… holds "331"); a phone number typed by a citizen is digits
# and separators only, which this keeps.
RANDOM_VALUE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?=[0-9A-Za-z_-]*[A-Za-z])[0-9A-Za-z_-]{16,}",
    re.IGNORECASE,
)


def without_random_values(page: str) -> str:
    return RANDOM_VALUE.sub("〔乱数〕", page)


def test_random_values_are_set_aside_but_typed_numbers_kept():
    page = "token 33178b2a-5ca2-4df1-a6d1-37c122ca43fa etag W/a3318181ffee0c9d1b2 tel 078-331-8181"
    assert without_random_values(page) == "token 〔乱数〕 etag W/〔乱数〕 tel 078-331-8181"
    assert "0783318181" in without_random_values("call 0783318181 now")


def test_personal_items_typed_into_a_published_post_are_scrubbed_on_every_public_face(db):
    citizen = make_citizen(
        "hinata_01", name="日向 花子", name_kana="ヒナタ ハナコ", phone="078-331-8181"
    )
    text = (
        "日向花子です。０７８（３３１）８１８１ か hanako@example.jp に連絡ください。"
        "隣の 090-1234-5678 も"
    )
    post = make_post(
        citizen,
        photos=1,
        published=True,
        text=text,
        public_text=text,
        public_reply="花子さん、ご連絡ありがとうございました。",
        address="中央区加納町 日向様方",
    )
    for path, content in public_responses(Client(), post):
        page = without_random_values(content.decode("utf-8", errors="ignore"))
        for item in ("日向", "花子", "331", "8181", "hanako@", "090-1234-5678"):
            assert item not in page, f"{item} in {path}"
    detail = Client().get(f"/public/posts/{post.pk}/").content.decode()
    assert (
        "〔削除: 氏名〕です。〔削除: 電話番号〕 か 〔削除: メールアドレス〕 に連絡ください"
        in detail
    )
    assert "〔削除: 氏名〕さん、ご連絡ありがとうございました。" in detail
    assert "中央区加納町 〔削除: 氏名〕様方" in detail
