from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from kobepost.accounts.demo import DEMO_PASSWORD, seed_users

# Each app adds its own demo data here, in dependency order. Every seeder is idempotent:
# running the command twice leaves one copy of everything.
SEEDERS = [
    "departments.demo.seed_departments",
]
# Seeders that need the demo users (cases, FAQ entries, posts).
LATE_SEEDERS: list[str] = [
    "tickets.demo.seed_cases",
    "faq.demo.seed_faq",
    # KOBE ぽすと: post category → case category, and posts in every state.
    "kobepost.public.demo.seed_post_routing",
    "kobepost.public.demo.seed_demo_posts",
    # Retention: the classes, records past their period, and the disposal list they make.
    "tickets.demo.seed_retention_classes",
    "tickets.demo.seed_old_cases",
    "kobepost.public.demo.seed_old_posts",
    "faq.demo.seed_old_calls",
    # After the cases and FAQ answers (the call journal links to them), before the
    # disposal list (old journal rows are on it).
    "kobepost.cti.demo.seed_calls",
    "tickets.demo.seed_disposal_list",
]


class Command(BaseCommand):
    help = (
        "デモ用の所管課・ダイヤル・分類・業者・職員アカウントを作成します"
        "（何度実行しても同じ結果）。"
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            for dotted_path in SEEDERS:
                import_string(dotted_path)()
            users = seed_users()
            for dotted_path in LATE_SEEDERS:
                import_string(dotted_path)()
        self.stdout.write(self.style.SUCCESS("デモデータを用意しました。ログイン情報:"))
        for username, role, name in users:
            self.stdout.write(
                f"  {role:<12} ID: {username:<12} パスワード: {DEMO_PASSWORD}  ({name})"
            )
