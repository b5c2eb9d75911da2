"""Demo staff accounts, one or more per role, with passwords printed by seed_demo; a former
KOBE ぽすと user whose posts are past their retention."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from departments.models import Department
from kobepost.citizen_models import Citizen, Post, PostCategory
from kobepost.citizen_services import post_create
from kobepost.models import User
from kobepost.photos import CleanPhoto, clean_photo

DEMO_PASSWORD = "kobe-demo-2026"  # noqa: S105 - printed on purpose; demo data only  # nosec B105

DEMO_USERS = [
    # username, display name, role, department code
    ("operator1", "山田 花子", User.Role.OPERATOR, None),
    ("operator2", "佐藤 健太", User.Role.OPERATOR, None),
    ("supervisor1", "中村 美咲", User.Role.SUPERVISOR, None),
    ("tobu1", "高橋 誠（東部建設事務所）", User.Role.DEPARTMENT_STAFF, "kensetsu-tobu"),
    ("seibu1", "小林 亮（西部建設事務所）", User.Role.DEPARTMENT_STAFF, "kensetsu-seibu"),
    ("eisei1", "伊藤 由美（衛生監視事務所）", User.Role.DEPARTMENT_STAFF, "eisei-kanshi"),
    ("kankyo1", "渡辺 大輔（環境局業務課）", User.Role.DEPARTMENT_STAFF, "kankyo-gyomu"),
    ("admin", "システム管理者", User.Role.ADMIN, None),
]


def seed_users() -> list[tuple[str, str, str]]:
    created = []
    for username, name, role, department_code in DEMO_USERS:
        department = Department.objects.get(code=department_code) if department_code else None
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "display_name": name,
                "role": role,
                "department": department,
                "email": f"{username}@staff.kobepost.example",
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        created.append((username, str(User.Role(role).label), name))
    return created


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
