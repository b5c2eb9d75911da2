"""Benchmark (not a test): FAQ search and usage figures on a large synthetic data set.

Creates ``--entries`` FAQ entries and ``--calls`` logged calls in the CURRENT database
(use a throw-away one), then prints median and p95 of search time. On PostgreSQL the calls
are loaded with COPY. Example:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench \\
        python manage.py bench_faq_search --entries 5000 --calls 1000000
"""

import io
import random
import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from departments.demo import seed_departments
from departments.models import Department
from faq.demo import ENTRIES
from faq.models import FaqEntry, SimpleCall
from faq.search import search_entries
from faq.services import usage_by_entry_and_month
from kobepost.accounts.models import User
from tickets.models import Dial

QUERIES = ["犬", "陥没", "ｺﾞﾐ", "粗大ごみ", "放置自転車 撤去", "食中毒", "街灯 番号", "マンホール"]
PLACES = ["東灘区", "灘区", "中央区", "兵庫区", "長田区", "須磨区", "垂水区", "北区", "西区"]
BATCH = 2000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "FAQ 検索のベンチマーク（現在のデータベースに大量のデータを作成します）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--entries", type=int, default=5000)
        parser.add_argument("--calls", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, entries: int, calls: int, repeat: int, seed: int, **options) -> None:
        rng = random.Random(seed)  # noqa: S311  # nosec B311 - synthetic data, not security
        seed_departments()
        operator, _ = User.objects.get_or_create(
            username="bench_operator", defaults={"role": User.Role.OPERATOR}
        )
        started = time.perf_counter()
        entry_ids = self.create_entries(rng, entries)
        self.stdout.write(f"entries: {len(entry_ids)} in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        self.create_calls(rng, calls, entry_ids, operator)
        self.stdout.write(f"calls: {calls} in {time.perf_counter() - started:.1f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE faq_faqentry; ANALYZE faq_simplecall")

        published = FaqEntry.objects.filter(status=FaqEntry.Status.PUBLISHED).select_related(
            "dial", "category", "department"
        )
        self.stdout.write(f"{'query':<18} {'hits':>5} {'median ms':>10} {'p95 ms':>8}")
        all_times: list[float] = []
        for query in QUERIES:
            times = []
            hits = 0
            for _round in range(repeat):
                begin = time.perf_counter()
                hits = len(list(search_entries(published, query)[:30]))
                times.append((time.perf_counter() - begin) * 1000)
            all_times.extend(times)
            self.stdout.write(
                f"{query:<18} {hits:>5} {statistics.median(times):>10.1f} "
                f"{percentile(times, 0.95):>8.1f}"
            )
        self.stdout.write(
            f"{'all searches':<18} {'':>5} {statistics.median(all_times):>10.1f} "
            f"{percentile(all_times, 0.95):>8.1f}"
        )
        times = []
        for _round in range(max(3, repeat // 10)):
            begin = time.perf_counter()
            usage_by_entry_and_month()
            times.append((time.perf_counter() - begin) * 1000)
        self.stdout.write(
            f"usage figures (6 months): median {statistics.median(times):.0f} ms, "
            f"p95 {percentile(times, 0.95):.0f} ms"
        )

    def create_entries(self, rng: random.Random, count: int) -> list[int]:
        dials = {dial.code: dial for dial in Dial.objects.all()}
        departments = {department.code: department for department in Department.objects.all()}
        batch: list[FaqEntry] = []
        ids: list[int] = []
        with transaction.atomic():
            for number in range(count):
                dial, _category, department, question, answer, keywords = rng.choice(ENTRIES)
                place = rng.choice(PLACES)
                entry = FaqEntry(
                    question=f"{place}の{question}（{number}）",
                    answer=f"{answer} {place}では受付窓口が異なる場合があります。",
                    keywords=keywords,
                    dial=dials[dial],
                    department=departments[department],
                    status=FaqEntry.Status.PUBLISHED if number % 10 else FaqEntry.Status.DRAFT,
                )
                entry.refresh_search_fields()
                batch.append(entry)
                if len(batch) == BATCH:
                    ids += [e.pk for e in FaqEntry.objects.bulk_create(batch)]
                    batch = []
            if batch:
                ids += [e.pk for e in FaqEntry.objects.bulk_create(batch)]
        return ids

    def create_calls(self, rng, count: int, entry_ids: list[int], operator: User) -> None:
        dial_ids = list(Dial.objects.values_list("pk", flat=True))
        entry_dials = dict(FaqEntry.objects.filter(pk__in=entry_ids).values_list("pk", "dial_id"))
        now = timezone.now()
        # A few entries are asked about much more often than the rest, as in real life.
        weights = [1 / (rank + 1) for rank in range(len(entry_ids))]

        def rows(size: int):
            picks = rng.choices(entry_ids, weights=weights, k=size)
            for entry_id in picks:
                when = now - timedelta(seconds=rng.randrange(0, 365 * 24 * 3600))
                if rng.random() < 0.1:
                    yield rng.choice(dial_ids), None, "FAQ なしの対応", when
                else:
                    yield entry_dials[entry_id], entry_id, "", when

        done = 0
        while done < count:
            size = min(50_000, count - done)
            if connection.vendor == "postgresql":
                self.copy_calls(rows(size), operator)
            else:
                SimpleCall.objects.bulk_create(
                    [
                        SimpleCall(
                            dial_id=d, faq_entry_id=e, topic=t, created_at=w, operator=operator
                        )
                        for d, e, t, w in rows(size)
                    ],
                    batch_size=BATCH,
                )
            done += size

    def copy_calls(self, rows, operator: User) -> None:
        buffer = io.StringIO()
        for dial_id, entry_id, topic, when in rows:
            entry = "\\N" if entry_id is None else str(entry_id)
            buffer.write(f"{dial_id}\t{entry}\t{topic}\t\t{operator.pk}\t{when.isoformat()}\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            columns = "dial_id, faq_entry_id, topic, note, operator_id, created_at"
            with cursor.copy(f"COPY faq_simplecall ({columns}) FROM STDIN") as copy:
                while chunk := buffer.read(1 << 20):
                    copy.write(chunk)
