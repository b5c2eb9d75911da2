"""Demo staff accounts, one or more per role, with passwords printed by seed_demo."""

from departments.models import Department
from kobepost.accounts.models import User

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
