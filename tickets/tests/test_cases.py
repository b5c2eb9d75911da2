import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.http import Http404
from django.utils import timezone

from tickets.access import cases_visible_to, get_case_for_user
from tickets.models import Case, CaseEvent, Category, FiscalYearCounter, InvalidTransition
from tickets.search import nearby_open_cases, search_cases
from tickets.services import (
    case_change_status,
    case_record_citizen_callback,
    case_reply,
    case_set_work_status,
    case_transfer,
)
from tickets.tests.factories import make_case

JST = ZoneInfo("Asia/Tokyo")


# --- reference numbers ------------------------------------------------------------------
def test_reference_numbers_count_up_per_fiscal_year(operator):
    first = make_case(operator, received_at=datetime.datetime(2026, 5, 1, 10, tzinfo=JST))
    second = make_case(operator, received_at=datetime.datetime(2026, 5, 1, 11, tzinfo=JST))
    assert first.reference == "2026-000001"
    assert second.reference == "2026-000002"


def test_fiscal_year_boundary_march_31_vs_april_1(operator):
    march = make_case(operator, received_at=datetime.datetime(2027, 3, 31, 23, 59, tzinfo=JST))
    april = make_case(operator, received_at=datetime.datetime(2027, 4, 1, 0, 0, tzinfo=JST))
    assert march.reference == "2026-000001"
    assert april.reference == "2027-000001"
    assert FiscalYearCounter.objects.get(fiscal_year=2026).last_number == 1


def test_fiscal_year_uses_japan_time_not_utc(operator):
    # 2027-03-31 15:30 UTC is already April 1st in Kobe.
    case = make_case(
        operator, received_at=datetime.datetime(2027, 3, 31, 15, 30, tzinfo=datetime.UTC)
    )
    assert case.reference == "2027-000001"


# --- routing ------------------------------------------------------------------------------
def test_department_and_dial_follow_the_category(operator, kobe):
    case = make_case(operator, "park-equipment")
    assert case.department == kobe["kensetsu-seibu"]
    assert case.dial.code == "roads"
    assert case.events.get().kind == CaseEvent.Kind.CREATED


def test_department_can_be_chosen_instead_of_the_routing(operator, kobe):
    case = make_case(operator, "park-equipment", department=kobe["kensetsu-kita"])
    assert case.department == kobe["kensetsu-kita"]


def test_urgent_contact_goes_on_the_timeline(operator):
    at = datetime.datetime(2026, 6, 1, 9, 5, tzinfo=JST)
    case = make_case(operator, urgent=True, urgent_contact="東部 高橋", urgent_contacted_at=at)
    event = case.events.get(kind=CaseEvent.Kind.URGENT_CONTACT)
    assert "東部 高橋" in event.note and event.at == at


# --- lifecycle ------------------------------------------------------------------------------
def test_full_lifecycle_with_call_back(operator, staff_tobu):
    case = make_case(operator)
    case = case_change_status(case=case, user=staff_tobu, status=Case.Status.IN_PROGRESS)
    case = case_reply(case=case, user=staff_tobu, reply_text="補修しました。")
    assert case.status == Case.Status.ANSWERED
    with pytest.raises(InvalidTransition):
        case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    told = timezone.now()
    case = case_record_citizen_callback(
        case=case, user=operator, told_at=told, method="phone", note="ご本人に説明"
    )
    assert case.status == Case.Status.CITIZEN_ANSWERED
    case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    kinds = list(case.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [
        ("created", "", "received"),
        ("status", "received", "in_progress"),
        ("reply", "in_progress", "answered"),
        ("callback", "answered", "citizen_answered"),
        ("status", "citizen_answered", "closed"),
    ]
    assert all(e.actor_id for e in case.events.all())


def test_direct_answer_skips_the_call_back(operator, staff_tobu):
    case = make_case(operator, direct_answer=True)
    case = case_reply(case=case, user=staff_tobu, reply_text="市民へ直接回答しました。")
    assert Case.Status.CITIZEN_ANSWERED not in case.allowed_transitions()
    case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    assert case.status == Case.Status.CLOSED


@pytest.mark.parametrize(
    ("start", "target", "who"),
    [
        (Case.Status.RECEIVED, Case.Status.CLOSED, "operator"),
        (Case.Status.RECEIVED, Case.Status.CITIZEN_ANSWERED, "operator"),
        (Case.Status.IN_PROGRESS, Case.Status.CLOSED, "operator"),
        # The department answers (tickets/policy.py), but not a closed case.
        (Case.Status.CLOSED, Case.Status.ANSWERED, "staff_tobu"),
        (Case.Status.CLOSED, "nonsense", "operator"),
    ],
)
def test_refused_transitions_raise_a_clear_error(request, operator, start, target, who):
    case = make_case(operator)
    Case.objects.filter(pk=case.pk).update(status=start)
    case.refresh_from_db()
    with pytest.raises(InvalidTransition) as error:
        case_change_status(case=case, user=request.getfixturevalue(who), status=target)
    assert "には変更できません" in error.value.messages[0]
    case.refresh_from_db()
    assert case.status == start
    assert case.events.count() == 1


def test_reopen_is_recorded_as_reopen(operator, staff_tobu):
    case = make_case(operator, direct_answer=True)
    case = case_reply(case=case, user=staff_tobu, reply_text="x")
    case = case_change_status(case=case, user=operator, status=Case.Status.CLOSED)
    case = case_change_status(case=case, user=operator, status=Case.Status.IN_PROGRESS)
    assert case.events.last().kind == CaseEvent.Kind.REOPEN


def test_transfer_moves_case_and_restarts_it(operator, staff_tobu, kobe):
    case = make_case(operator)
    case = case_change_status(case=case, user=staff_tobu, status=Case.Status.IN_PROGRESS)
    case = case_transfer(
        case=case, user=staff_tobu, department=kobe["kensetsu-seibu"], note="管轄外"
    )
    assert case.department == kobe["kensetsu-seibu"]
    assert case.status == Case.Status.RECEIVED
    event = case.events.last()
    assert event.kind == CaseEvent.Kind.TRANSFER
    assert "西部建設事務所" in event.note and "管轄外" in event.note
    with pytest.raises(ValueError):
        case_transfer(case=case, user=operator, department=kobe["kensetsu-seibu"])


def test_awaiting_callback_queue_excludes_direct_and_no_reply(operator, staff_tobu):
    wanted = make_case(operator)
    direct = make_case(operator, direct_answer=True)
    no_reply = make_case(operator, reply_needed=False)
    for case in (wanted, direct, no_reply):
        case_reply(case=case, user=staff_tobu, reply_text="回答")
    assert list(Case.objects.awaiting_callback()) == [wanted]


# --- access ----------------------------------------------------------------------------------
def test_access_operators_see_all_departments_only_theirs(
    operator, supervisor, staff_tobu, staff_seibu
):
    tobu_case = make_case(operator, "road-damage")
    seibu_case = make_case(operator, "park-equipment")
    assert set(cases_visible_to(operator)) == {tobu_case, seibu_case}
    assert set(cases_visible_to(supervisor)) == {tobu_case, seibu_case}
    assert list(cases_visible_to(staff_tobu)) == [tobu_case]
    assert get_case_for_user(staff_tobu, tobu_case.pk) == tobu_case
    with pytest.raises(Http404):
        get_case_for_user(staff_tobu, seibu_case.pk)
    with pytest.raises(Http404):
        get_case_for_user(staff_seibu, tobu_case.pk)


def test_admin_sees_no_cases_through_the_staff_screens(operator, admin_user):
    make_case(operator)
    assert not cases_visible_to(admin_user).exists()


def test_health_symptoms_visible_to_supervisor_and_department_only(
    operator, supervisor, staff_eisei, staff_tobu
):
    case = make_case(operator, "food-poisoning", health_symptoms="嘔吐と下痢")
    assert case.health_symptoms_visible_to(supervisor)
    assert case.health_symptoms_visible_to(staff_eisei)
    assert not case.health_symptoms_visible_to(operator)
    assert not case.health_symptoms_visible_to(staff_tobu)


# --- search ----------------------------------------------------------------------------------
@pytest.fixture
def searchable(operator):
    return {
        "pothole": make_case(
            operator,
            title="道路の陥没",
            details="歩道が陥没している",
            caller_name="日向 太郎",
            caller_kana="ヒナタ タロウ",
            caller_phone="078-331-8181",
            caller_phone_digits="0783318181",
        ),
        "sunny": make_case(operator, title="公園のベンチ", details="日向ぼっこ中に壊れた"),
        "other": make_case(
            operator,
            title="街灯が消えている",
            details="夜間暗い",
            caller_kana="ヤマダ ハナコ",
            health_symptoms="陥没と書いた症状",
        ),
    }


def found(query: str) -> set[str]:
    return set(search_cases(Case.objects.all(), query).values_list("title", flat=True))


def test_two_character_japanese_words(searchable):
    assert found("陥没") == {"道路の陥没"}
    assert found("日向") == {"道路の陥没", "公園のベンチ"}
    assert found("陥") == {"道路の陥没"}


def test_three_or_more_characters(searchable):
    assert found("日向ぼっこ") == {"公園のベンチ"}
    assert found("街灯が消") == {"街灯が消えている"}


def test_health_symptoms_are_never_searched(searchable):
    assert "街灯が消えている" not in found("症状")
    assert "街灯が消えている" not in found("陥没と書いた")


@pytest.mark.parametrize("spelling", ["078-331-8181", "０７８（３３１）８１８１", "0783318181"])
def test_phone_in_three_spellings(searchable, spelling):
    assert found(spelling) == {"道路の陥没"}


def test_partial_phone(searchable):
    assert found("8181") == {"道路の陥没"}


def test_kana_from_hiragana_or_half_width(searchable):
    assert found("やまだ") == {"街灯が消えている"}
    assert found("ﾋﾅﾀ") == {"道路の陥没"}


def test_words_of_any_length_fold_width_kana_and_case(operator):
    make_case(operator, title="マンホールのふたがガタガタ", details="LED街灯の近く")
    for spelling in ("まんほーる", "ﾏﾝﾎｰﾙ", "がたがた", "led街灯", "ＬＥＤ", "ふた"):
        assert found(spelling) == {"マンホールのふたがガタガタ"}, spelling
    assert found("マンホール 街灯") == {"マンホールのふたがガタガタ"}
    assert found("マンホールの蓋") == set()


def test_search_follows_edits_of_every_searched_field(searchable):
    case = searchable["sunny"]
    case.title = "公園の遊具"
    case.caller_kana = "スズキ イチロウ"
    case.save(update_fields=["title", "caller_kana"])
    assert found("遊具") == {"公園の遊具"}
    assert found("すずき") == {"公園の遊具"}
    assert found("ベンチ") == set()


@pytest.mark.skipif(not settings.USING_POSTGRESQL, reason="PostgreSQL indexes")
def test_search_columns_and_indexes_on_postgresql(searchable):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'tickets_case' AND column_name = 'search_tokens'"
        )
        # A real array: ANALYZE keeps its most common tokens, which the planner needs.
        assert cursor.fetchone() == ("ARRAY",)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_case'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"case_search_tokens_idx", "case_search_text_trgm_idx"} <= indexes
    assert not indexes & {"case_title_trgm_idx", "case_details_trgm_idx"}
    stored = Case.objects.get(pk=searchable["pothole"].pk).search_tokens
    assert "陥没" in stored and "ヒナ" in stored and stored == sorted(stored)


def test_reference_number(searchable):
    reference = searchable["sunny"].reference
    assert found(reference) == {"公園のベンチ"}
    year, number = reference.split("-")
    assert found(f"{year}-{int(number)}") == {"公園のベンチ"}


def test_several_words_must_all_match(searchable):
    assert found("日向 陥没") == {"道路の陥没"}


# --- nearby -----------------------------------------------------------------------------------
def test_nearby_open_cases_same_category_within_radius_and_period(operator):
    road = Category.objects.get(code="road-damage")
    here = (34.6901, 135.1955)
    close = make_case(operator, latitude=34.6905, longitude=135.1957)  # ~50 m
    make_case(operator, latitude=34.6950, longitude=135.1955)  # ~545 m
    make_case(operator, "park-equipment", latitude=34.6901, longitude=135.1955)
    old = make_case(
        operator,
        latitude=34.6901,
        longitude=135.1955,
        received_at=datetime.datetime(2020, 1, 1, tzinfo=JST),
    )
    closed = make_case(operator, latitude=34.6902, longitude=135.1955)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    result = nearby_open_cases(latitude=here[0], longitude=here[1], category_id=road.pk)
    assert [case for case, _distance in result] == [close]
    assert 30 < result[0][1] < 70
    assert old not in [
        c
        for c, _ in nearby_open_cases(
            latitude=here[0], longitude=here[1], category_id=road.pk, days=10000 * 0 + 30
        )
    ]


def test_direct_answer_defaults_from_the_category(operator):
    Category.objects.filter(code="dead-animal").update(direct_answer_default=True)
    assert make_case(operator, "dead-animal").direct_answer is True
    assert make_case(operator, "dead-animal", direct_answer=False).direct_answer is False
    assert make_case(operator, "road-damage").direct_answer is False


def test_work_status_change_goes_on_the_timeline(operator, staff_tobu):
    case = make_case(operator)
    case = case_set_work_status(case=case, user=staff_tobu, work_status="working")
    assert case.work_status == Case.WorkStatus.WORKING
    event = case.events.last()
    assert event.kind == CaseEvent.Kind.WORK_STATUS and "未着手 → 対応中" in event.note
    with pytest.raises(ValueError):
        case_set_work_status(case=case, user=staff_tobu, work_status="bogus")
