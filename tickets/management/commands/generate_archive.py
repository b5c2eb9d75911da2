"""A ten-year archive for performance work: cases, timelines, posts, FAQ entries, calls.

Rows go in with PostgreSQL COPY (psycopg 3 ``cursor.copy``), with every derived column
computed by the same functions the models use (``search_tokens``, ``fiscal_year_of``,
``FaqEntry.refresh_search_fields``), so that search finds generated rows exactly as it finds
typed ones. Secondary indexes of the big tables are dropped during the load and rebuilt
afterwards (one sort per index instead of millions of index insertions).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kobepost_bench \
        .venv/bin/python manage.py generate_archive            # 500,000 cases, ~minutes
    .venv/bin/python manage.py generate_archive --cases 2000 --posts 100 --faq 50 --calls 1000
"""

import array
import datetime
import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department
from faq.models import FaqEntry
from kobepost.accounts.models import User
from kobepost.lib.jp_calendar import fiscal_year_of
from kobepost.public.models import Post, PostCategory
from tickets.geo.places import WARD_NAMES_JA, all_towns
from tickets.models import Case, CaseEvent, Category, FiscalYearCounter
from tickets.normalize import search_text, search_tokens

# Cases (and their events) built and sent per COPY. Python's memory holds one batch at a
# time (~190 MB at 20,000, measured with tracemalloc), whatever the total.
CASE_BATCH = 5_000
# The texts combine templates, places, numbers and sentence pairs: nearly every case has a
# text of its own, and an unbounded cache of their tokens grew by ~2 KB a case (4 GB at
# 2,000,000 cases). Bounded, it still serves the repeats that come close together.
TOKENS_CACHE_SIZE = 10_000
# Tables whose secondary indexes are rebuilt after the load.
BULK_TABLES = ("tickets_case", "tickets_caseevent", "faq_simplecall", "kobepost_post")

# --- Text material -----------------------------------------------------------------------------
# Per category code: title templates and detail sentences. {place} is a landmark, {n} a number.
TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "road-damage": (
        [
            "{place}付近の道路が陥没している",
            "{place}前の歩道に穴があいている",
            "道路の陥没（{place}）",
            "{place}の舗装がひび割れて段差がある",
            "マンホールの蓋が浮いている（{place}）",
            "側溝の蓋が割れている",
        ],
        [
            "直径{n}0センチほどの陥没があり、自転車が転倒しそうになった。",
            "雨の後に水たまりができ、車が通るたびに水がはねる。",
            "夜間は暗くて段差が見えにくく危険とのこと。",
            "近くの小学校の通学路なので早めに対応してほしい。",
            "以前にも補修したが再び穴があいている。",
            "日向ぼっこをしていた高齢者がつまずいたとの話。",
        ],
    ),
    "streetlight": (
        [
            "{place}の街灯が消えている",
            "街灯が点滅している（{place}）",
            "{place}付近の防犯灯が昼間も点灯している",
        ],
        [
            "一週間ほど前から夜になっても点灯しない。",
            "柱に番号の札があり「{n}{n}-{n}」と書かれている。",
            "暗くて歩くのが怖いと近所の方が話している。",
            "日向の坂道の途中にある街灯。",
        ],
    ),
    "park-equipment": (
        [
            "{place}公園の遊具が壊れている",
            "公園のブランコの鎖が外れかけている",
            "{place}公園のベンチが破損",
            "すべり台の手すりがぐらついている",
        ],
        [
            "子どもが遊んでいて危ないので使えないようにしてほしい。",
            "ボルトが{n}本ほど抜けている。",
            "日向の砂場の近くにある遊具。",
            "塗装がはがれて錆びている。",
        ],
    ),
    "park-trees": (
        [
            "{place}公園の木の枝が道路にはみ出している",
            "街路樹が倒れそう（{place}）",
            "{place}の植え込みの草が伸びて見通しが悪い",
        ],
        [
            "台風の後から枝が折れてぶら下がっている。",
            "交差点の見通しが悪く、車が出にくい。",
            "落ち葉が側溝を詰まらせている。",
            "日向に出られないほど枝が茂っている。",
        ],
    ),
    "river": (
        [
            "{place}付近の川にごみが溜まっている",
            "水路の柵が壊れている（{place}）",
            "川の水が濁っている",
        ],
        [
            "大雨のあとに流木が引っかかっている。",
            "子どもが落ちそうで心配。",
            "においもするとのこと。",
        ],
    ),
    "abandoned-bicycle": (
        [
            "{place}前に放置自転車がある",
            "駅前の歩道に自転車が放置されている",
            "{place}に長期間置かれたバイク",
        ],
        [
            "{n}か月ほど同じ場所に置かれたまま。",
            "タイヤの空気が抜けてさびている。",
            "歩道をふさいで車いすが通れない。",
        ],
    ),
    "illegal-dumping": (
        [
            "{place}に粗大ごみが不法投棄されている",
            "空き地に家電が捨てられている（{place}）",
            "{place}付近の山道に廃棄物",
        ],
        [
            "冷蔵庫とソファが置かれている。",
            "夜中に車で来て捨てていったらしい。",
            "粗大ごみのシールが貼られていない。",
            "タイヤが{n}本捨てられている。",
        ],
    ),
    "missed-collection": (
        [
            "ごみが収集されていない（{place}）",
            "{place}の集積所のごみが残っている",
            "資源ごみの取り残し",
        ],
        [
            "朝{n}時までに出したが回収されていない。",
            "カラスが散らかしている。",
            "燃えるごみの日なのに残ったまま。",
        ],
    ),
    "bulky-waste": (
        [
            "粗大ごみの出し方を知りたい",
            "粗大ごみの受付について",
            "{place}で粗大ごみの回収日を確認したい",
        ],
        [
            "タンスとベッドを処分したい。",
            "申込みの方法と手数料を聞かれた。",
            "引越しで{n}点ほど出したいとのこと。",
        ],
    ),
    "dead-animal": (
        [
            "{place}の道路に動物の死骸がある",
            "猫の死骸（{place}）",
            "鳥の死骸が落ちている",
        ],
        ["車道の真ん中にあり危ない。", "朝から同じ場所にある。", "においがひどい。"],
    ),
    "food-poisoning": (
        [
            "飲食店で食事後に体調不良",
            "{place}の店で食中毒の疑い",
            "弁当を食べた後に腹痛",
        ],
        [
            "家族{n}人が同じ料理を食べて具合が悪くなった。",
            "昨夜の食事が原因ではないかとのこと。",
            "店にはまだ連絡していない。",
        ],
    ),
    "food-foreign-matter": (
        [
            "購入した惣菜に異物が混入",
            "{place}のパンに金属片",
            "弁当に髪の毛が入っていた",
        ],
        ["現物は保管している。", "購入したレシートもある。", "店に連絡したが対応が悪い。"],
    ),
    "restaurant-hygiene": (
        [
            "{place}の飲食店の衛生状態",
            "店の厨房が不衛生",
            "飲食店からの悪臭",
        ],
        ["ねずみを見かけた。", "調理場が外から見えて汚れている。", "排水のにおいがする。"],
    ),
    "pests": (
        [
            "{place}でハチの巣を見つけた",
            "ゴキブリが大量に発生",
            "蚊の発生源になっている水たまり",
        ],
        ["軒下に大きな巣がある。", "日向の植木の近くを飛び回っている。", "子どもが刺された。"],
    ),
    "dogs-cats": (
        [
            "{place}で野良猫にえさをやる人がいる",
            "犬の鳴き声がうるさい",
            "{place}の公園で犬のふんが放置",
        ],
        ["毎朝同じ人がえさを置いていく。", "夜中も鳴き続けている。", "張り紙をしてほしい。"],
    ),
}
GENERIC = (
    ["{place}付近の件で相談", "{place}について問い合わせ"],
    ["詳しい状況は担当課で確認してほしいとのこと。", "以前にも同じ相談をした。"],
)
PLACES = [
    "三宮駅",
    "元町商店街",
    "六甲道駅",
    "垂水駅",
    "西神中央駅",
    "新長田駅",
    "須磨海岸",
    "鈴蘭台駅",
    "名谷駅",
    "岡本駅",
    "ハーバーランド",
    "湊川公園",
    "王子動物園",
    "日向台",
    "山手幹線",
    "市役所",
    "住吉川",
    "大倉山",
    "舞子",
    "北神",
]
SURNAMES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山本", "ヤマモト"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("清水", "シミズ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("陽子", "ヨウコ"),
    ("健", "ケン"),
    ("美咲", "ミサキ"),
    ("翔", "ショウ"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("大輔", "ダイスケ"),
    ("直子", "ナオコ"),
]
REPLIES = [
    "現地を確認し、補修しました。",
    "現地を確認しました。来週中に対応します。",
    "担当業者に手配し、対応が完了しました。",
    "所管外のため関係機関に連絡しました。",
    "注意喚起の看板を設置しました。",
]
FAQ_SUBJECTS = [
    (
        "粗大ごみ",
        "粗大ごみは事前申込制です。受付センターへ電話かインターネットで申し込んでください。",
    ),
    ("道路の陥没", "道路の陥没は建設事務所が補修します。場所と大きさをお知らせください。"),
    ("街灯", "街灯の不点灯は柱の番号をお知らせいただくと早く修理できます。"),
    ("犬のふん", "飼い主のマナー啓発の看板を区役所でお渡ししています。"),
    ("ハチの巣", "個人の敷地内のハチの巣は専門業者にご相談ください。"),
    ("放置自転車", "警告札を付けて一定期間後に撤去します。"),
    ("食中毒", "症状のある方は医療機関を受診し、保健所へご連絡ください。"),
    ("資源ごみ", "資源ごみの収集日は地域ごとに決まっています。"),
    ("公園の遊具", "遊具の破損は公園管理事務所が使用禁止の措置をとります。"),
    ("日向ぼっこ", "公園のベンチの配置についてのご意見は公園管理事務所が承ります。"),
]
FAQ_QUESTIONS = [
    "{s}はどうすればよいですか",
    "{s}について教えてください",
    "{s}の連絡先はどこですか",
    "{s}の受付時間は",
    "{s}の手数料はいくらですか",
    "{s}を{ward}で相談したい",
]
CALL_TOPICS = ["ごみの出し方", "粗大ごみの申込み", "収集日", "窓口の場所", "手数料", "道路の相談"]


@dataclass
class Refs:
    """The rows every generated row points at."""

    categories: list[Category]
    operators: list[int]
    department_staff: dict[int, list[int]]
    fallback_actor: int
    post_categories: list[int]
    dial_ids: list[int]


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def _micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _moment_of(micros: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=micros)


# The statistics' counts of closed months, written at the end by stats_rollup.
STATS_TABLES = (
    "stats_statsmonth",
    "stats_casemonthcount",
    "stats_faqmonthcount",
    "stats_faqentrymonthcount",
    "stats_responsemonthbucket",
)


class Command(BaseCommand):
    help = "性能測定用に10年分の案件・経過・投稿・FAQ・簡易対応を一括生成します（COPY 使用）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=500_000)
        parser.add_argument("--open", type=int, default=None, help="open cases (default 5%%)")
        parser.add_argument("--posts", type=int, default=30_000)
        parser.add_argument("--faq", type=int, default=5_000)
        parser.add_argument("--calls", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=20261)
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="do not drop and rebuild secondary indexes (small runs, tests)",
        )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("PostgreSQL が必要です（COPY を使います）。")
        self.rng = random.Random(options["seed"])  # noqa: S311 # nosec B311 -- sample data
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=365 * options["years"])
        self.towns = all_towns()
        started = time.monotonic()
        refs = self._references()
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Foreign keys checked per COPY, not queued to commit (CREATE INDEX refuses
                # to run on a table with pending trigger events).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            dropped = [] if options["keep_indexes"] else self._drop_indexes()
            self._timed("cases + events", lambda: self._cases(refs, options))
            self._timed("posts", lambda: self._posts(refs, options["posts"]))
            faq_ids = self._timed("faq", lambda: self._faq(refs, options["faq"]))
            self._timed("calls", lambda: self._calls(refs, faq_ids, options["calls"]))
            if dropped:
                self._timed("indexes", lambda: self._create_indexes(dropped))
            self._reset_sequences()
        # The statistics' counts of the closed months (kobepost/stats/rollup.py), before
        # VACUUM ANALYZE: a month's counts are read from their index alone.
        self._timed("stats", lambda: call_command("stats_rollup", "--rebuild", stdout=self.stdout))
        # VACUUM sets the visibility map (index-only counts); impossible inside a transaction
        # (tests), where ANALYZE alone keeps the planner's statistics right.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in (*BULK_TABLES, "faq_faqentry", *STATS_TABLES):
                cursor.execute(f"{command} {table}")
        self.stdout.write(self.style.SUCCESS(f"完了: {time.monotonic() - started:.1f} 秒"))

    # --- helpers ------------------------------------------------------------------------------
    def _timed(self, label: str, work: Callable):
        began = time.monotonic()
        result = work()
        self.stdout.write(f"  {label}: {time.monotonic() - began:.1f} 秒")
        return result

    def _references(self) -> Refs:
        # The seeders are idempotent: a fresh database gets the departments and staff.
        from departments.demo import seed_departments
        from kobepost.accounts.demo import seed_users

        if not Category.objects.exists():
            seed_departments()
        if not User.objects.filter(role=User.Role.OPERATOR).exists():
            seed_users()
        categories = list(Category.objects.select_related("dial"))
        operators = list(
            User.objects.filter(role__in=[User.Role.OPERATOR, User.Role.SUPERVISOR]).values_list(
                "pk", flat=True
            )
        )
        staff: dict[int, list[int]] = {}
        for pk, department_id in User.objects.filter(role=User.Role.DEPARTMENT_STAFF).values_list(
            "pk", "department_id"
        ):
            staff.setdefault(department_id, []).append(pk)
        if not categories or not operators:
            raise CommandError("分類と受付者が必要です（seed_demo を先に実行してください）。")
        if not PostCategory.objects.exists():
            PostCategory.objects.create(code="other", name="その他")
        return Refs(
            categories=categories,
            operators=operators,
            department_staff=staff,
            fallback_actor=operators[0],
            post_categories=list(PostCategory.objects.values_list("pk", flat=True)),
            dial_ids=sorted({c.dial_id for c in categories}),
        )

    def _drop_indexes(self) -> list[str]:
        """Drop secondary (non-constraint) indexes of the bulk tables; return their DDL."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                """,
                [list(BULK_TABLES)],
            )
            found = cursor.fetchall()
            for name, _definition in found:
                cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _name, definition in found]

    def _create_indexes(self, definitions: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in definitions:
                cursor.execute(definition)

    def _reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for table in (*BULK_TABLES, "faq_faqentry"):
                sql = (
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "COALESCE((SELECT MAX(id) FROM {}), 0) + 1, false)"
                )
                cursor.execute(sql.format(table), [table])

    def _next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 # nosec B608
            return cursor.fetchone()[0]

    def _copy(self, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
        count = 0
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _moment(self, rng: random.Random) -> datetime.datetime:
        """A moment in the period, during office-ish hours (calls come in by day)."""
        span = (self.now - self.start).total_seconds()
        moment = self.start + datetime.timedelta(seconds=rng.random() * span)
        local = timezone.localtime(moment)
        hour = rng.choice((9, 9, 10, 10, 11, 11, 12, 13, 14, 14, 15, 15, 16, 17, 18, 20))
        return local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))

    def _point(self, rng: random.Random) -> tuple[float, float, str, str]:
        town = rng.choice(self.towns)
        lat = round(town.lat + rng.uniform(-0.002, 0.002), 6)
        lng = round(town.lng + rng.uniform(-0.002, 0.002), 6)
        address = (
            f"{WARD_NAMES_JA[town.ward_code]}{town.town}{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        )
        return lat, lng, address, town.ward_code

    def _text(self, rng: random.Random, code: str) -> tuple[str, str]:
        titles, sentences = TEMPLATES.get(code, GENERIC)
        fill = {"place": rng.choice(PLACES), "n": rng.randint(1, 9)}
        title = rng.choice(titles).format(**fill)
        details = "".join(
            sentence.format(**fill) for sentence in rng.sample(sentences, min(2, len(sentences)))
        )
        return title, details

    # --- cases --------------------------------------------------------------------------------
    def _cases(self, refs: Refs, options: dict) -> None:
        rng = self.rng
        total = options["cases"]
        open_total = options["open"] if options["open"] is not None else total // 20
        # Kept for the whole load as microseconds since the epoch in a typed array: 8 bytes a
        # case instead of ~56 for a list of aware datetimes (2,000,000 cases: 16 MB instead of
        # ~110 MB); only the sort holds a list of plain ints for a moment.
        moments = array.array("q", sorted(_micros(self._moment(rng)) for _ in range(total)))
        # Open cases: mostly the newest, a fifth of them older ones still stuck somewhere.
        recent = min(total, open_total * 2)
        open_indexes = set(
            rng.sample(range(total - recent, total), min(recent, open_total * 4 // 5))
        )
        while len(open_indexes) < min(open_total, total):
            open_indexes.add(rng.randrange(total))

        counters = dict(FiscalYearCounter.objects.values_list("fiscal_year", "last_number"))
        case_id = self._next_id("tickets_case")
        event_id = self._next_id("tickets_caseevent")
        events: list[tuple] = []
        tokens_cache: dict[tuple[str, str], tuple[list[str], str]] = {}
        S = Case.Status

        def case_rows() -> Iterator[tuple]:
            nonlocal case_id, event_id
            for index, micros in enumerate(moments):
                received = _moment_of(micros)
                category = rng.choice(refs.categories)
                fiscal_year = fiscal_year_of(received)
                counters[fiscal_year] = counters.get(fiscal_year, 0) + 1
                reference = f"{fiscal_year}-{counters[fiscal_year]:06d}"
                title, details = self._text(rng, category.code)
                if rng.random() < 0.75:
                    surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
                    name, kana = f"{surname[0]} {given[0]}", f"{surname[1]} {given[1]}"
                    if rng.random() < 0.6:
                        middle, last = rng.randrange(200, 1000), rng.randrange(10000)
                        phone = f"078-{middle}-{last:04d}"
                    else:
                        middle, last = rng.randrange(1000, 10000), rng.randrange(10000)
                        phone = f"090-{middle:04d}-{last:04d}"
                    digits = phone.replace("-", "")
                else:
                    name = kana = phone = digits = ""
                key = (title, details)
                cached = tokens_cache.get(key)
                if cached is None:
                    if len(tokens_cache) >= TOKENS_CACHE_SIZE:
                        tokens_cache.clear()
                    cached = tokens_cache[key] = (
                        search_tokens(title, details),
                        search_text(title, details),
                    )
                text_tokens, text = cached
                if name:
                    tokens = sorted({*text_tokens, *search_tokens(name, kana)})
                    text = search_text(title, details, name, kana)
                else:
                    tokens = text_tokens
                lat, lng, address, ward = self._point(rng)
                reply_needed = rng.random() < 0.8
                direct = category.direct_answer_default or rng.random() < 0.1
                department = category.department_id
                operator = rng.choice(refs.operators)
                staff = refs.department_staff.get(department) or [refs.fallback_actor]
                if index in open_indexes:
                    status = rng.choice(
                        (S.RECEIVED, S.IN_PROGRESS, S.IN_PROGRESS, S.ANSWERED, S.CITIZEN_ANSWERED)
                    )
                else:
                    status = S.CLOSED
                urgent = rng.random() < 0.02
                # Timeline: created → in progress → answered → (call back) → closed.
                at = received
                timeline = [(CaseEvent.Kind.CREATED, operator, at, "", S.RECEIVED, "")]
                replied_at = citizen_told_at = None
                reply_text = ""
                work_status = Case.WorkStatus.NOT_STARTED
                order = [S.RECEIVED, S.IN_PROGRESS, S.ANSWERED, S.CITIZEN_ANSWERED, S.CLOSED]
                reached = order.index(status)
                skips = direct or not reply_needed
                if reached >= 1:
                    at += datetime.timedelta(hours=rng.uniform(0.5, 30))
                    timeline.append(
                        (
                            CaseEvent.Kind.STATUS,
                            rng.choice(staff),
                            at,
                            S.RECEIVED,
                            S.IN_PROGRESS,
                            "",
                        )
                    )
                    work_status = Case.WorkStatus.WORKING
                if reached >= 2:
                    at += datetime.timedelta(hours=rng.uniform(2, 24 * 14))
                    reply_text = rng.choice(REPLIES)
                    replied_at = at
                    work_status = Case.WorkStatus.DONE
                    timeline.append(
                        (
                            CaseEvent.Kind.REPLY,
                            rng.choice(staff),
                            at,
                            S.IN_PROGRESS,
                            S.ANSWERED,
                            reply_text,
                        )
                    )
                if reached >= 3 and not (status == S.CLOSED and skips):
                    at += datetime.timedelta(hours=rng.uniform(0.2, 48))
                    citizen_told_at = at
                    timeline.append(
                        (
                            CaseEvent.Kind.CALLBACK,
                            operator,
                            at,
                            S.ANSWERED,
                            S.CITIZEN_ANSWERED,
                            "電話で回答しました。",
                        )
                    )
                if reached == 4:
                    at += datetime.timedelta(hours=rng.uniform(0.1, 24))
                    previous = S.ANSWERED if citizen_told_at is None else S.CITIZEN_ANSWERED
                    timeline.append((CaseEvent.Kind.STATUS, operator, at, previous, S.CLOSED, ""))
                at = min(at, self.now)
                # The milestone columns, as tickets.services._record keeps them: the
                # earliest line of each status (each appears at most once here).
                firsts: dict[str, datetime.datetime] = {}
                for kind, actor, when, from_status, to_status, note in timeline:
                    when = min(when, self.now)
                    milestone = Case.MILESTONES.get(to_status)
                    if milestone and (milestone not in firsts or when < firsts[milestone]):
                        firsts[milestone] = when
                    events.append(
                        (
                            event_id,
                            case_id,
                            kind,
                            actor,
                            when,
                            from_status,
                            to_status,
                            note,
                            0,  # case_version: history written before optimistic locking
                        )
                    )
                    event_id += 1
                yield (
                    case_id, reference, fiscal_year,
                    Case.Kind.REPORT if rng.random() < 0.7 else Case.Kind.INQUIRY,
                    category.dial_id, category.pk, title, received,
                    Case.Channel.PHONE if rng.random() < 0.9 else Case.Channel.KOBE_POST,
                    name, kana, phone, digits, lat, lng, address, ward, details, "",
                    department, reply_needed, direct, urgent, "", None,
                    status, work_status, reply_text, replied_at, citizen_told_at,
                    tokens, text, operator, received, at, 1,
                    firsts.get("first_answered_at"), firsts.get("first_told_at"),
                    firsts.get("first_closed_at"),
                )  # fmt: skip
                case_id += 1

        columns = (
            "id", "reference", "fiscal_year", "kind", "dial_id", "category_id", "title",
            "received_at", "channel", "caller_name", "caller_kana", "caller_phone",
            "caller_phone_digits", "latitude", "longitude", "address", "ward", "details",
            "health_symptoms", "department_id", "reply_needed", "direct_answer", "urgent",
            "urgent_contact", "urgent_contacted_at", "status", "work_status", "reply_text",
            "replied_at", "citizen_told_at", "search_tokens", "search_text", "created_by_id",
            "created_at",
            "updated_at", "version", "first_answered_at", "first_told_at", "first_closed_at",
        )  # fmt: skip
        event_columns = (
            "id",
            "case_id",
            "kind",
            "actor_id",
            "at",
            "from_status",
            "to_status",
            "note",
            "case_version",
        )
        # One COPY per batch of cases, then that batch's events: memory stays bounded.
        generator = case_rows()
        written = event_count = 0
        while True:
            batch = list(itertools.islice(generator, CASE_BATCH))
            if not batch:
                break
            written += self._copy("tickets_case", columns, iter(batch))
            event_count += self._copy("tickets_caseevent", event_columns, iter(events))
            events.clear()
        for fiscal_year, last in counters.items():
            FiscalYearCounter.objects.update_or_create(
                fiscal_year=fiscal_year, defaults={"last_number": last}
            )
        self.stdout.write(f"  案件 {written:,} 件 / 経過 {event_count:,} 件")

    # --- posts, FAQ, calls ----------------------------------------------------------------------
    def _posts(self, refs: Refs, total: int) -> None:
        rng = self.rng
        post_id = self._next_id("kobepost_post")
        P = Post.Status
        nicknames = ["", "", "みなと", "六甲の風", "たるみん", "ながたっ子", "北区民"]

        def rows() -> Iterator[tuple]:
            for offset in range(total):
                created = self._moment(rng)
                category = refs.categories[offset % len(refs.categories)]
                title, details = self._text(rng, category.code)
                text = f"{title}。{details}"
                lat, lng, address, _ward = self._point(rng)
                age = (self.now - created).days
                status = (
                    P.DONE
                    if age > 30 or rng.random() < 0.3
                    else rng.choice((P.RECEIVED, P.IN_PROGRESS))
                )
                published = rng.random() < 0.8
                reply = rng.choice(REPLIES) if status == P.DONE else ""
                yield (
                    post_id + offset, rng.choice(nicknames), text, text, lat, lng, address,
                    status, reply, published, created if published else None, "", "",
                    uuid.UUID(int=rng.getrandbits(128), version=4), Post.Channel.WEB,
                    created, created, rng.choice(refs.post_categories), "", "{}",
                )  # fmt: skip

        columns = (
            "id", "nickname", "text", "public_text", "lat", "lng", "address", "status",
            "public_reply", "published", "published_at", "rejection", "rejection_note", "token",
            "channel", "created_at", "updated_at", "category_id", "case_link", "attributes",
        )  # fmt: skip
        self._copy("kobepost_post", columns, rows())

    def _faq(self, refs: Refs, total: int) -> list[int]:
        rng = self.rng
        entry_id = self._next_id("faq_faqentry")
        departments = dict(Department.objects.values_list("pk", "pk"))
        ward_names = list(WARD_NAMES_JA.values())
        ids: list[int] = []

        def rows() -> Iterator[tuple]:
            for offset in range(total):
                subject, answer = FAQ_SUBJECTS[offset % len(FAQ_SUBJECTS)]
                question = rng.choice(FAQ_QUESTIONS).format(s=subject, ward=rng.choice(ward_names))
                question = f"{question}（{offset + 1}）"
                category = rng.choice(refs.categories)
                entry = FaqEntry(
                    question=question,
                    answer=f"{answer}{rng.choice(REPLIES)}",
                    keywords=f"{subject} {rng.choice(PLACES)}",
                )
                entry.refresh_search_fields()  # the model's own normalisation
                created = self._moment(rng)
                ids.append(entry_id + offset)
                yield (
                    entry_id + offset, entry.question, entry.answer, entry.keywords,
                    FaqEntry.Status.PUBLISHED if rng.random() < 0.9 else FaqEntry.Status.ARCHIVED,
                    timezone.localdate(created), created, created, entry.search_question,
                    entry.search_keywords, entry.search_text, entry.search_tokens.split(),
                    category.pk, departments.get(category.department_id, category.department_id),
                    category.dial_id,
                )  # fmt: skip

        columns = (
            "id", "question", "answer", "keywords", "status", "last_reviewed_on", "created_at",
            "updated_at", "search_question", "search_keywords", "search_text", "search_tokens",
            "category_id", "department_id", "dial_id",
        )  # fmt: skip
        self._copy("faq_faqentry", columns, rows())
        return ids

    def _calls(self, refs: Refs, faq_ids: list[int], total: int) -> None:
        rng = self.rng
        call_id = self._next_id("faq_simplecall")

        def rows() -> Iterator[tuple]:
            for offset in range(total):
                entry = rng.choice(faq_ids) if faq_ids and rng.random() < 0.7 else None
                yield (
                    call_id + offset,
                    rng.choice(refs.dial_ids),
                    entry,
                    "" if entry else rng.choice(CALL_TOPICS),
                    "",
                    rng.choice(refs.operators),
                    self._moment(rng),
                )

        columns = ("id", "dial_id", "faq_entry_id", "topic", "note", "operator_id", "created_at")
        self._copy("faq_simplecall", columns, rows())
