"""About thirty believable Kobe cases across dials, wards and statuses, the retention
classes, and a few cases closed years ago for the disposal list (idempotent)."""

import datetime

from django.utils import timezone

from kobepost.accounts.models import User
from kobepost.privacy.models import RetentionClass
from kobepost.privacy.retention import disposal_batch_prepare
from kobepost.public.models import PostCategory
from tickets.models import Case, CaseEvent, Category, Dial
from tickets.normalize import normalize_kana, normalize_phone
from tickets.services import (
    case_change_status,
    case_create,
    case_record_citizen_callback,
    case_reply,
    case_transfer,
)

# Places: ward code, address, latitude, longitude.
PLACES = {
    "sannomiya": ("28110", "中央区三宮町1丁目", 34.6917, 135.1950),
    "motomachi": ("28110", "中央区元町通3丁目", 34.6886, 135.1860),
    "rokkomichi": ("28102", "灘区深田町4丁目", 34.7145, 135.2389),
    "sumiyoshi": ("28101", "東灘区住吉本町1丁目", 34.7220, 135.2630),
    "okamoto": ("28101", "東灘区岡本1丁目", 34.7266, 135.2756),
    "shinkaichi": ("28105", "兵庫区新開地2丁目", 34.6790, 135.1682),
    "shinnagata": ("28106", "長田区若松町5丁目", 34.6582, 135.1441),
    "suma": ("28107", "須磨区須磨浦通4丁目", 34.6437, 135.1138),
    "itayado": ("28107", "須磨区大黒町4丁目", 34.6612, 135.1311),
    "tarumi": ("28108", "垂水区神田町1丁目", 34.6292, 135.0546),
    "suzurandai": ("28109", "北区鈴蘭台北町1丁目", 34.7289, 135.1453),
    "seishin": ("28111", "西区糀台5丁目", 34.6918, 135.0255),
}

# days ago, category, title, details, place, caller (name, kana, phone) or None, outcome
CASES = [
    (
        0,
        "road-damage",
        "歩道の陥没",
        "三宮駅南側の歩道が陥没し、つまずきそう。",
        "sannomiya",
        ("日向 太郎", "ひなた たろう", "078-331-8181"),
        "received",
    ),
    (
        0,
        "streetlight",
        "街灯が点かない",
        "交差点の街灯が3日前から消えている。",
        "rokkomichi",
        ("田中 一郎", "タナカ イチロウ", "078-851-2222"),
        "received",
    ),
    (
        0,
        "food-poisoning",
        "飲食店で食事後に体調不良",
        "昨夜の会食後、家族3人が腹痛。",
        "motomachi",
        ("佐々木 恵", "ササキ メグミ", "090-1234-5678"),
        "urgent",
    ),
    (
        1,
        "illegal-dumping",
        "空き地に家電の不法投棄",
        "冷蔵庫とテレビが捨てられている。",
        "shinnagata",
        None,
        "in_progress",
    ),
    (
        1,
        "missed-collection",
        "燃えるごみが回収されていない",
        "朝8時までに出したが残っている。",
        "sumiyoshi",
        ("松本 由紀", "マツモト ユキ", "078-811-3456"),
        "answered",
    ),
    (
        1,
        "park-equipment",
        "ブランコの鎖が切れている",
        "子どもが使う前に確認してほしい。",
        "itayado",
        ("井上 翔", "イノウエ ショウ", "080-2345-6789"),
        "in_progress",
    ),
    (
        2,
        "abandoned-bicycle",
        "駅前の放置自転車",
        "点字ブロックをふさいでいる。",
        "sannomiya",
        None,
        "received",
    ),
    (
        2,
        "dogs-cats",
        "野良猫への餌やり",
        "近所で餌やりがあり糞尿被害がある。",
        "tarumi",
        ("木村 さゆり", "キムラ サユリ", "078-707-1111"),
        "answered",
    ),
    (
        2,
        "river",
        "水路にごみが詰まっている",
        "大雨の前に取り除いてほしい。",
        "suzurandai",
        ("山本 健", "ヤマモト ケン", "078-591-2020"),
        "citizen_answered",
    ),
    (
        3,
        "road-damage",
        "車道のひび割れと段差",
        "バイクが転倒しそうな段差。",
        "okamoto",
        ("中島 誠", "ナカシマ マコト", "078-411-9090"),
        "closed",
    ),
    (
        3,
        "pests",
        "ねずみが出る",
        "飲食店の裏でねずみを見かける。",
        "shinkaichi",
        None,
        "in_progress",
    ),
    (
        4,
        "dead-animal",
        "道路に猫の死体",
        "車道の左側。早めに回収してほしい。",
        "suma",
        ("藤田 明美", "フジタ アケミ", "078-731-4545"),
        "closed",
    ),
    (
        4,
        "bulky-waste",
        "粗大ごみの出し方",
        "ソファの出し方と料金を知りたい。",
        "seishin",
        ("小川 大輔", "オガワ ダイスケ", "078-991-3030"),
        "inquiry_closed",
    ),
    (
        5,
        "park-trees",
        "街路樹の枝が信号を隠す",
        "北行きの信号が見えにくい。",
        "suzurandai",
        ("岡田 剛", "オカダ ツヨシ", "078-592-7777"),
        "answered",
    ),
    (
        5,
        "restaurant-hygiene",
        "飲食店の調理場が不衛生",
        "窓から見える調理場にごみが散乱。",
        "motomachi",
        None,
        "received",
    ),
    (
        6,
        "streetlight",
        "カーブミラーの向きがずれている",
        "見通しが悪く危ない。",
        "tarumi",
        ("石井 朋子", "イシイ トモコ", "078-708-1212"),
        "citizen_answered",
    ),
    (
        6,
        "illegal-dumping",
        "河川敷に粗大ごみ",
        "マットレスが数枚。",
        "suma",
        ("前田 修", "マエダ オサム", "078-732-5656"),
        "closed",
    ),
    (
        7,
        "road-damage",
        "マンホールのふたががたつく",
        "車が通るたびに大きな音がする。",
        "rokkomichi",
        ("日向 太郎", "ヒナタ タロウ", "0783318181"),
        "answered",
    ),
    (
        8,
        "food-foreign-matter",
        "弁当に異物が混入",
        "ご飯に金属片が入っていた。",
        "sannomiya",
        ("西村 薫", "ニシムラ カオル", "070-3456-7890"),
        "in_progress",
    ),
    (
        9,
        "missed-collection",
        "資源ごみの収集漏れ",
        "缶・びんが残っている。",
        "okamoto",
        None,
        "direct_closed",
    ),
    (
        10,
        "abandoned-bicycle",
        "公園内の放置自転車",
        "半年以上置かれている。",
        "shinnagata",
        ("原田 浩", "ハラダ ヒロシ", "078-643-2323"),
        "answered",
    ),
    (
        11,
        "park-equipment",
        "すべり台の手すりが外れている",
        "けがをする前に修理を。",
        "seishin",
        ("村上 彩", "ムラカミ アヤ", "078-992-4141"),
        "transferred",
    ),
    (
        12,
        "river",
        "川の護岸が崩れている",
        "遊歩道の柵の下が崩れている。",
        "sumiyoshi",
        ("清水 聡", "シミズ サトシ", "078-822-6161"),
        "in_progress",
    ),
    (14, "dogs-cats", "犬の鳴き声", "夜中も鳴き続けている。", "itayado", None, "closed"),
    (
        16,
        "pests",
        "スズメバチの巣",
        "公園のトイレの軒下に巣。",
        "suzurandai",
        ("森 美穂", "モリ ミホ", "078-593-8080"),
        "urgent_done",
    ),
    (
        18,
        "road-damage",
        "歩道の点字ブロックがはがれている",
        "視覚障害の方が困っている。",
        "shinkaichi",
        ("坂本 隆", "サカモト タカシ", "078-575-1313"),
        "closed",
    ),
    (
        20,
        "bulky-waste",
        "粗大ごみの収集日を知りたい",
        "引っ越しの予定がある。",
        "tarumi",
        ("近藤 玲奈", "コンドウ レイナ", "080-9876-5432"),
        "inquiry_closed",
    ),
    (
        24,
        "streetlight",
        "公園の照明が点滅している",
        "夜間に点滅してまぶしい。",
        "sumiyoshi",
        None,
        "closed",
    ),
    (
        27,
        "illegal-dumping",
        "ごみステーションに事業ごみ",
        "段ボールが大量に出されている。",
        "shinkaichi",
        ("安藤 亮", "アンドウ リョウ", "078-576-2424"),
        "citizen_answered",
    ),
    (
        29,
        "park-trees",
        "倒木が道をふさいでいる",
        "強風で倒れた木。",
        "okamoto",
        ("高田 京子", "タカダ キョウコ", "078-412-3535"),
        "closed",
    ),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _department_user(case: Case) -> User:
    """Who acts for the case's department: its demo login, or else a member of its staff
    without a login (the demo has logins for four departments; only the case's own
    department may start its work, tickets/policy.py)."""
    staff = User.objects.filter(department=case.department, role=User.Role.DEPARTMENT_STAFF)
    if user := staff.first():
        return user
    user, created = User.objects.get_or_create(
        username=f"demo-{case.department.code}",
        defaults={
            "display_name": f"{case.department.name} 担当",
            "role": User.Role.DEPARTMENT_STAFF,
            "department": case.department,
            "email": f"demo-{case.department.code}@staff.kobepost.example",
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def seed_cases() -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    for index, (days_ago, category_code, title, details, place, caller, outcome) in enumerate(
        CASES
    ):
        if Case.objects.filter(title=title).exists():
            continue
        received_at = now - datetime.timedelta(days=days_ago, hours=index % 7, minutes=index * 3)
        _seed_case(
            index, received_at, category_code, title, details, place, caller, outcome, until=now
        )


def _seed_case(
    index: int,
    received_at: datetime.datetime,
    category_code: str,
    title: str,
    details: str,
    place: str,
    caller: tuple[str, str, str] | None,
    outcome: str,
    *,
    until: datetime.datetime,
) -> Case:
    operators = [_user("operator1"), _user("operator2")]
    supervisor = _user("supervisor1")
    ward, address, latitude, longitude = PLACES[place]
    category = Category.objects.get(code=category_code)
    operator = operators[index % 2]
    fields: dict = {
        "category": category,
        "title": title,
        "details": details,
        "received_at": received_at,
        "ward": ward,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "kind": Case.Kind.INQUIRY if outcome == "inquiry_closed" else Case.Kind.REPORT,
        "channel": Case.Channel.KOBE_POST if index % 9 == 4 else Case.Channel.PHONE,
        "reply_needed": outcome != "inquiry_closed",
        "direct_answer": outcome == "direct_closed",
    }
    if caller:
        name, kana, phone = caller
        normalised = normalize_phone(phone)
        fields.update(
            caller_name=name,
            caller_kana=normalize_kana(kana),
            caller_phone=normalised.display,
        )
    if outcome in {"urgent", "urgent_done"}:
        fields.update(
            urgent=True,
            urgent_contact="衛生監視事務所 伊藤",
            urgent_contacted_at=received_at + datetime.timedelta(minutes=5),
        )
    if category_code == "food-poisoning":
        fields["health_symptoms"] = "腹痛と下痢（3人）。発熱なし。"
    case = case_create(created_by=operator, **fields)
    _advance(case, outcome, operator, supervisor)
    _spread_timeline(case, received_at, until)
    return case


def _advance(case: Case, outcome: str, operator: User, supervisor: User) -> None:
    staff = _department_user(case)
    if outcome in {"received", "urgent"}:
        return
    if outcome == "transferred":
        from departments.models import Department

        case_transfer(
            case=case,
            user=staff,
            department=Department.objects.get(code="kensetsu-kita"),
            note="北区の公園のため",
        )
        return
    case = case_change_status(case=case, user=staff, status=Case.Status.IN_PROGRESS)
    if outcome == "in_progress":
        return
    if outcome == "inquiry_closed":
        case = case_reply(case=case, user=staff, reply_text="収集日と料金をご案内しました。")
        case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
        return
    case = case_reply(case=case, user=staff, reply_text="現地を確認し、対応しました。")
    if outcome == "answered":
        return
    if outcome == "direct_closed":
        case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
        return
    case = case_record_citizen_callback(
        case=case, user=operator, told_at=timezone.now(), method="phone", note="ご本人に説明"
    )
    if outcome == "citizen_answered":
        return
    case_change_status(case=case, user=supervisor, status=Case.Status.CLOSED)


def _spread_timeline(case: Case, received_at: datetime.datetime, now: datetime.datetime) -> None:
    """Space the demo events out between the call and now, as if they happened over days."""
    events = list(case.events.order_by("id"))
    span = max((now - received_at) / max(len(events), 1), datetime.timedelta(minutes=10))
    firsts: dict[str, datetime.datetime] = {}
    for position, event in enumerate(events):
        at = min(received_at + span * position, now)
        CaseEvent.objects.filter(pk=event.pk).update(at=at)
        if event.kind == CaseEvent.Kind.REPLY:
            Case.objects.filter(pk=case.pk).update(replied_at=at)
        if event.kind == CaseEvent.Kind.CALLBACK:
            Case.objects.filter(pk=case.pk).update(citizen_told_at=at)
        # The milestones follow the moved timeline (times only grow along it).
        milestone = Case.MILESTONES.get(event.to_status)
        if milestone and milestone not in firsts:
            firsts[milestone] = at
    if firsts:
        Case.objects.filter(pk=case.pk).update(**firsts)


# --- retention ---------------------------------------------------------------------------------
# The demo's retention classes (保存年限); the real ones follow the city's document rules.
RETENTION_CLASSES = [("1年保存", 1), ("3年保存", 3), ("5年保存", 5)]
DIAL_RETENTION = {"hygiene": "5年保存", "clean110": "3年保存", "roads": "5年保存"}
# Questions about collection days need not be kept long.
CATEGORY_RETENTION = {"bulky-waste": "1年保存"}
POST_CATEGORY_RETENTION = "3年保存"

# Cases closed years ago, past their period, so that the demo's disposal list is not empty.
# received (Japan time), category, title, details, place, caller, outcome
OLD_CASES = [
    (
        (2019, 6, 3, 10, 12),
        "road-damage",
        "歩道の縁石が欠けている",
        "バス停の前の縁石が欠けて、鉄筋が見えている。",
        "motomachi",
        ("北川 智也", "キタガワ トモヤ", "078-341-5151"),
        "closed",
    ),
    (
        (2020, 9, 14, 15, 40),
        "illegal-dumping",
        "山道に古タイヤの不法投棄",
        "ハイキング道の入口にタイヤが10本ほど。",
        "suzurandai",
        ("上田 真理", "ウエダ マリ", "078-594-6262"),
        "closed",
    ),
    (
        (2020, 11, 2, 9, 5),
        "restaurant-hygiene",
        "飲食店のごみ置き場の悪臭",
        "店の裏のごみ置き場から強い臭いがする。",
        "shinkaichi",
        None,
        "closed",
    ),
]
# How long the department took, in the demo's old cases: the timeline spreads over it.
OLD_CASE_SPAN = datetime.timedelta(days=12)


def seed_retention_classes() -> None:
    """The classes, given to the dials, a category and every KOBE ぽすと post category."""
    classes = {
        name: RetentionClass.objects.update_or_create(name=name, defaults={"years": years})[0]
        for name, years in RETENTION_CLASSES
    }
    for code, name in DIAL_RETENTION.items():
        Dial.objects.filter(code=code).update(retention_class=classes[name])
    for code, name in CATEGORY_RETENTION.items():
        Category.objects.filter(code=code).update(retention_class=classes[name])
    PostCategory.objects.update(retention_class=classes[POST_CATEGORY_RETENTION])


def seed_old_cases() -> None:
    tz = timezone.get_current_timezone()
    for index, (received, category_code, title, details, place, caller, outcome) in enumerate(
        OLD_CASES
    ):
        received_at = datetime.datetime(*received, tzinfo=tz)
        # By time, not title: a disposed case is no longer called by its title.
        if Case.objects.filter(received_at=received_at).exists():
            continue
        _seed_case(
            index,
            received_at,
            category_code,
            title,
            details,
            place,
            caller,
            outcome,
            until=received_at + OLD_CASE_SPAN,
        )


def seed_disposal_list() -> None:
    """What the nightly job would list: the administrator finds it under 廃棄の記録."""
    disposal_batch_prepare()
