"""Demo data of KOBE ぽすと: a former user whose posts are past their retention, post routing,
and a citizen whose posts are in every state."""

import datetime
import io
from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from kobepost.accounts.demo import DEMO_PASSWORD
from kobepost.accounts.models import User
from kobepost.public.models import Citizen, Post, PostCategory
from kobepost.public.photos import CleanPhoto, clean_photo
from kobepost.public.services import post_create
from tickets.models import Category

# A KOBE ぽすと user who stopped using the app years ago, with two posts that are finished:
# past their period, they and the account show up in the demo's disposal list.
OLD_CITIZEN = {
    "login_id": "suma_hanako_demo",
    "name": "須磨 花子",
    "name_kana": "スマ ハナコ",
    "address": "神戸市須磨区須磨浦通4丁目",
    "phone": "078-735-4848",
    "gender": Citizen.Gender.FEMALE,
    "birth_year": 1975,
    "occupation": Citizen.Occupation.EMPLOYEE,
    "email": "suma_hanako_demo@example.jp",
    "nickname": "すまっこ",
}
# created (Japan time), post category, text, address, status, rejection, public reply
OLD_POSTS = [
    (
        (2021, 6, 7, 8, 30),
        "road-damage",
        "歩道のタイルがはがれてつまずきそうです。",
        "須磨区須磨浦通4丁目",
        Post.Status.DONE,
        Post.Rejection.NONE,
        "補修しました。ご連絡ありがとうございました。",
    ),
    (
        (2021, 7, 20, 21, 15),
        "other",
        "お得な情報はこちら",
        "",
        Post.Status.RECEIVED,
        Post.Rejection.SPAM,
        "",
    ),
]


def _demo_photo() -> CleanPhoto:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 140, 130)).save(out, format="JPEG")
    return clean_photo(SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg"))


def seed_old_posts() -> None:
    tz = timezone.get_current_timezone()
    if Post.objects.filter(created_at=datetime.datetime(*OLD_POSTS[0][0], tzinfo=tz)).exists():
        return  # seeded before (and perhaps disposed of since: the account is gone then)
    citizen = Citizen(**OLD_CITIZEN)
    citizen.set_password(None)  # nobody signs in as the demo's former user
    citizen.save()
    for created, category, text, address, status, rejection, reply in OLD_POSTS:
        created_at = datetime.datetime(*created, tzinfo=tz)
        post = post_create(
            citizen=citizen,
            category=PostCategory.objects.get(code=category),
            text=text,
            address=address,
            photos=[_demo_photo()] if status == Post.Status.DONE else [],
        )
        done = created_at + datetime.timedelta(days=9)
        Post.objects.filter(pk=post.pk).update(
            created_at=created_at,
            updated_at=done,
            status=status,
            rejection=rejection,
            public_reply=reply,
            published=bool(reply),
            published_at=done if reply else None,
        )
    Citizen.objects.filter(pk=citizen.pk).update(
        created_at=datetime.datetime(2020, 5, 1, 12, tzinfo=tz),
        last_login=datetime.datetime(2021, 7, 20, 21, tzinfo=tz),
    )


# Post category → case category: forwarding a post is prefilled from this (triage).
POST_ROUTING = {
    "road-damage": "road-damage",
    "park-equipment": "park-equipment",
    "street-light": "streetlight",
    "illegal-dumping": "illegal-dumping",
    "abandoned-bicycle": "abandoned-bicycle",
}


def seed_post_routing() -> None:
    for post_code, case_code in POST_ROUTING.items():
        category = Category.objects.filter(code=case_code).first()
        if category is not None:
            PostCategory.objects.filter(code=post_code, ticket_category__isnull=True).update(
                ticket_category=category
            )


# A demo citizen (signs in with the demo password) whose posts are in every state, so that
# triage, the public map and the post statistics show something.
DEMO_CITIZEN = {
    "login_id": "kitano_demo",
    "name": "北野 太郎",
    "name_kana": "キタノ タロウ",
    "address": "神戸市中央区北野町2丁目",
    "phone": "078-222-1111",
    "gender": Citizen.Gender.MALE,
    "birth_year": 1985,
    "occupation": Citizen.Occupation.EMPLOYEE,
    "email": "kitano_demo@example.jp",
    "nickname": "きたのっ子",
}
# state, post category, text, address, lat, lng
DEMO_POSTS = [
    (
        "new",
        "road-damage",
        "三宮の交差点の横断歩道の手前に深い穴があります。",
        "中央区三宮町1丁目",
        34.6917,
        135.1950,
    ),
    (
        "new",
        "street-light",
        "公園横の街灯が夜になっても点きません。",
        "灘区深田町4丁目",
        34.7145,
        135.2389,
    ),
    (
        "published",
        "park-equipment",
        "すべり台の手すりがぐらぐらしています。",
        "須磨区大黒町4丁目",
        34.6612,
        135.1311,
    ),
    (
        "answered",
        "abandoned-bicycle",
        "駅前の歩道に同じ自転車が1か月以上置かれています。",
        "長田区若松町5丁目",
        34.6582,
        135.1441,
    ),
    (
        "forwarded",
        "road-damage",
        "歩道のタイルが割れて段差になっています。",
        "中央区元町通3丁目",
        34.6886,
        135.1860,
    ),
    (
        "done",
        "illegal-dumping",
        "空き地に冷蔵庫が捨てられています。",
        "垂水区神田町1丁目",
        34.6292,
        135.0546,
    ),
    ("rejected", "other", "隣の家の木が越境しています。", "西区糀台5丁目", 34.6918, 135.0255),
    (
        "duplicate",
        "park-equipment",
        "すべり台の手すりが外れそうです。",
        "須磨区大黒町4丁目",
        34.6613,
        135.1312,
    ),
]


def seed_demo_posts() -> None:
    from kobepost.public.services import (
        post_forward,
        post_mark_duplicate,
        post_publish,
        post_reject,
        post_respond,
    )

    if Citizen.objects.filter(login_id=DEMO_CITIZEN["login_id"]).exists():
        return
    supervisor = User.objects.get(username="supervisor1")
    citizen = Citizen(**DEMO_CITIZEN, email_confirmed_at=timezone.now())
    citizen.set_password(DEMO_PASSWORD)
    citizen.save()
    published: Post | None = None
    for state, code, text, address, lat, lng in DEMO_POSTS:
        post = post_create(
            citizen=citizen,
            category=PostCategory.objects.get(code=code),
            text=text,
            lat=lat,
            lng=lng,
            address=address,
            photos=[_demo_photo()] if state in ("published", "done") else [],
        )
        if state in ("published", "answered", "done"):
            post_publish(post=post, user=supervisor)
            published = published or post
        if state == "answered":
            post_respond(
                post=post,
                user=supervisor,
                public_text=text,
                public_reply="撤去の警告札を付けました。期限後に撤去します。",
                status=Post.Status.IN_PROGRESS,
            )
        if state == "done":
            post_respond(
                post=post,
                user=supervisor,
                public_text=text,
                public_reply="回収しました。ご連絡ありがとうございました。",
                status=Post.Status.DONE,
            )
        if state == "forwarded":
            category = cast(Category, post.category.ticket_category)  # the demo's are mapped
            post_forward(
                post=post,
                user=supervisor,
                category=category,
                department=category.department,
                title="元町通の歩道タイルの段差",
            )
            post_publish(post=post, user=supervisor)
        if state == "rejected":
            post_reject(
                post=post,
                user=supervisor,
                rejection=Post.Rejection.OUT_OF_SCOPE,
                note="私有地の樹木は所有者どうしでのご相談をお願いします。",
            )
        if state == "duplicate" and published is not None:
            post_mark_duplicate(post=post, user=supervisor, original=published)
