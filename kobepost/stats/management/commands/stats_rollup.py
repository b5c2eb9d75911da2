"""Count every closed month the statistics do not have counted yet (idempotent).

Run after loading an archive (generate_archive does) or with --rebuild after changing
rows outside the services; the beat job stats-build-months does the same every few
minutes, so a month changed by a service is counted again soon after.
"""

from django.core.management.base import BaseCommand

from kobepost.stats.rollup import stats_months_build


class Command(BaseCommand):
    help = "統計の月別集計を作成します（済みの月は飛ばします。--rebuild ですべて作り直し）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="count every month again")

    def handle(self, *args, **options) -> None:
        built = stats_months_build(rebuild=options["rebuild"])
        self.stdout.write(f"集計した月: {built}")
