"""A small, hand-counted set of cases, calls and posts for the statistics tests.

Times are Japan time. Department 東部建設事務所 replies after 10, 20, 30 and 40 hours;
two of those cases are told to the citizen 2 and 4 hours after the reply and closed 24 and
48 hours after intake. See test_stats_figures.py for the numbers this must give.
"""

import datetime
from zoneinfo import ZoneInfo

import time_machine

from faq.models import FaqEntry, SimpleCall, UnansweredSearch
from kobepost.accounts.models import User
from kobepost.public.models import Post, PostCategory
from tickets.models import Case, Category, Dial
from tickets.services import (
    case_change_status,
    case_create,
    case_record_citizen_callback,
    case_reply,
)

JST = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=JST)


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def make_case(user, category_code: str, received_at, *, ward: str = "", channel="phone"):
    category = Category.objects.get(code=category_code)
    return case_create(
        created_by=user,
        category=category,
        title=f"{category.name} の通報",
        received_at=received_at,
        ward=ward,
        channel=channel,
    )


def department_staff_of(case: Case) -> User:
    """Starting the work and answering are the case's department's (tickets/policy.py)."""
    staff, _created = User.objects.get_or_create(
        username=f"stats-{case.department.code}",
        defaults={"role": User.Role.DEPARTMENT_STAFF, "department": case.department},
    )
    return staff


def move(case: Case, user, status: str, at: datetime.datetime) -> None:
    """A status change through the real workflow, as if it happened at a chosen moment."""
    with time_machine.travel(at, tick=False):
        if status == Case.Status.ANSWERED:
            case_reply(case=case, user=department_staff_of(case), reply_text="確認しました。")
        elif status == Case.Status.CITIZEN_ANSWERED:
            case_record_citizen_callback(case=case, user=user, told_at=at, method="phone")
        elif status == Case.Status.IN_PROGRESS and case.status == Case.Status.RECEIVED:
            case_change_status(case=case, user=department_staff_of(case), status=status)
        else:
            case_change_status(case=case, user=user, status=status)
    case.refresh_from_db()


def build_known_set(user) -> dict:
    a = make_case(user, "road-damage", jst(2026, 4, 6, 9), ward="28101")
    move(a, user, Case.Status.ANSWERED, a.received_at + hours(10))
    move(a, user, Case.Status.CITIZEN_ANSWERED, a.received_at + hours(12))
    move(a, user, Case.Status.CLOSED, a.received_at + hours(24))
    b = make_case(user, "road-damage", jst(2026, 4, 7, 9), ward="28102", channel="email")
    move(b, user, Case.Status.ANSWERED, b.received_at + hours(20))
    move(b, user, Case.Status.CITIZEN_ANSWERED, b.received_at + hours(24))
    move(b, user, Case.Status.CLOSED, b.received_at + hours(48))
    c = make_case(user, "streetlight", jst(2026, 4, 8, 9), ward="28101")
    move(c, user, Case.Status.ANSWERED, c.received_at + hours(30))
    move(c, user, Case.Status.IN_PROGRESS, c.received_at + hours(50))
    move(c, user, Case.Status.ANSWERED, c.received_at + hours(100))  # only the first counts
    d = make_case(user, "streetlight", jst(2026, 4, 9, 9), channel="kobe_post")
    move(d, user, Case.Status.ANSWERED, d.received_at + hours(40))
    e = make_case(user, "park-equipment", jst(2026, 4, 10, 9), ward="28107")
    f = make_case(user, "food-poisoning", jst(2026, 5, 1, 10), ward="28110")
    move(f, user, Case.Status.IN_PROGRESS, f.received_at + hours(1))
    # Fiscal-year boundary: the last minute of FY2026 and the first of FY2027.
    g = make_case(user, "road-damage", jst(2027, 3, 31, 23, 59))
    h = make_case(user, "road-damage", jst(2027, 4, 1, 0, 0))

    roads = Dial.objects.get(code="roads")
    hygiene = Dial.objects.get(code="hygiene")
    entry = FaqEntry.objects.create(
        question="道路の穴はどこに連絡？",
        answer="東部建設事務所です。",
        dial=roads,
        department=Category.objects.get(code="road-damage").department,
        status=FaqEntry.Status.PUBLISHED,
    )
    for at in (jst(2026, 4, 6, 10), jst(2026, 4, 20, 10)):
        SimpleCall.objects.create(dial=roads, faq_entry=entry, operator=user, created_at=at)
    SimpleCall.objects.create(
        dial=roads, topic="=cmd|' /C calc'!A0", operator=user, created_at=jst(2026, 4, 21, 10)
    )
    SimpleCall.objects.create(dial=hygiene, operator=user, created_at=jst(2027, 3, 31, 23, 59))
    SimpleCall.objects.create(dial=hygiene, operator=user, created_at=jst(2027, 4, 1, 0, 0))

    mapped = PostCategory.objects.create(
        code="stats-road",
        name="統計テスト道路",
        ticket_category=Category.objects.get(code="road-damage"),
    )
    unmapped = PostCategory.objects.create(code="stats-unmapped", name="統計テスト用")
    Post.objects.create(category=mapped, text="穴", public_text="穴", created_at=jst(2026, 4, 6, 8))
    Post.objects.create(
        category=unmapped, text="他", public_text="他", created_at=jst(2026, 4, 7, 8)
    )

    for query, day in (("粗大ごみ 料金", 1), ("粗大ごみ 料金", 2), ("犬", 3)):
        UnansweredSearch.objects.create(
            query=query, normalized_query=query, dial=roads, searched_at=jst(2026, 4, day, 12)
        )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h, "entry": entry}
