"""manage.py audit_purge: delete audit rows past the audit trail's retention.

Run it as the database's owner role (deploy/kobepost-audit-purge, yearly after April 1);
as the runtime role PostgreSQL refuses the DELETE, which is the point.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from kobepost.privacy.retention import audit_trail_purge


class Command(BaseCommand):
    help = "監査ログのうち保存期間（AUDIT_RETENTION_YEARS）を過ぎた行を削除します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="この日付で期間を数える（既定: 今日）",
        )

    def handle(self, *args, **options) -> None:
        try:
            deleted = audit_trail_purge(today=options["today"])
        except DatabaseError as error:
            raise CommandError(
                "監査ログを削除できません。所有者ロール（MIGRATE_DATABASE_URL）で実行してください: "
                f"{error}"
            ) from error
        self.stdout.write(f"監査ログ {deleted} 件を削除しました。")
