"""In-app notices read in the reader's language: stored as a code and params (issue 21)."""

import datetime
import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from departments.services import overdue_remind
from kobepost.notifications.models import Notice
from kobepost.notifications.services import notice_post
from tests.test_english_walk import ALWAYS_ALLOWED, data_strings, japanese_ui_text
from tickets.models import Case
from tickets.services import case_change_status, case_correct, case_reply
from tickets.tests.factories import make_case

MIGRATION = importlib.import_module(
    "kobepost.notifications.migrations.0003_notice_codes_from_titles"
)


def notices_page(client, language: str) -> str:
    client.cookies["django_language"] = language
    with translation.override(translation.get_language()):  # the request switches the thread
        response = client.get("/notifications/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def road_case(operator):
    return make_case(operator, title="歩道の段差")


def test_a_reply_noticed_in_japanese_reads_in_english(
    login_client, operator, staff_tobu, road_case
):
    with translation.override("ja"):
        case_reply(case=road_case, user=staff_tobu, reply_text="補修しました。")
    notice = Notice.objects.filter(to_callcenter=True).latest("pk")
    category = road_case.category.name
    assert notice.title == f"所管課から回答 {road_case.reference} {category}"

    client = login_client(operator)
    english = notices_page(client, "en")
    assert f"Department replied {road_case.reference} {category}" in english
    assert japanese_ui_text(english, data_strings() | ALWAYS_ALLOWED) == []
    japanese = notices_page(client, "ja")
    assert f"所管課から回答 {road_case.reference} {category}" in japanese


def test_status_names_follow_the_reader_not_the_writer(
    login_client, operator, staff_tobu, road_case
):
    # Written while the department worked in English; read by a Japanese operator too.
    with translation.override("en"):
        case_change_status(case=road_case, user=staff_tobu, status=Case.Status.IN_PROGRESS)
    notice = Notice.objects.filter(to_callcenter=True).latest("pk")
    assert notice.params["status"] == "in_progress"
    client = login_client(operator)
    assert "Status changed" in notices_page(client, "en")
    assert ": In progress at department" in notices_page(client, "en")
    assert f"状況変更 {road_case.reference} {road_case.category.name}: 所管課対応中" in (
        notices_page(client, "ja")
    )


def test_a_correction_names_the_fields_in_the_readers_language(
    login_client, operator, staff_tobu, road_case
):
    case_correct(
        case=road_case,
        user=operator,
        changes={"caller_name": "神戸 次郎", "caller_phone": "078-333-3333"},
        reason="聞き間違い",
    )
    client = login_client(staff_tobu)
    english = notices_page(client, "en")
    assert f"Correction {road_case.reference} {road_case.category.name}: Name, Phone number" in (
        english
    )
    assert "次郎" not in english and "3333" not in english
    assert ": 氏名、電話番号" in notices_page(client, "ja")


def test_the_overdue_count_reads_in_english(login_client, staff_tobu, operator):
    case = make_case(operator)
    Case.objects.filter(pk=case.pk).update(reply_due_date=datetime.date(2026, 6, 1))
    overdue_remind(today=datetime.date(2026, 6, 10))
    english = notices_page(login_client(staff_tobu), "en")
    assert "1 case(s) are past their due date" in english


def test_a_notice_without_a_known_code_shows_its_title(login_client, staff_tobu):
    notice_post(department=staff_tobu.department, title="システム停止のお知らせ")
    Notice.objects.create(
        department=staff_tobu.department, code="retired_code", params={}, title="古い種類"
    )
    english = notices_page(login_client(staff_tobu), "en")
    assert "システム停止のお知らせ" in english and "古い種類" in english


def test_a_code_needs_its_params():
    with pytest.raises(ValueError):
        notice_post(to_callcenter=True, code="case_new", params={"reference": "2026-000001"})


def test_the_migration_reads_known_titles_into_codes_and_keeps_the_rest(db):
    old = (
        MigrationExecutor(connection)
        .loader.project_state(("notifications", "0002_notice_code_and_params"))
        .apps
    )
    OldNotice = old.get_model("notifications", "Notice")
    titles = [
        "新しい案件 2026-000001 道路の陥没・損傷",
        "緊急案件 2026-000002 食中毒の疑い",
        "状況変更 2026-000003 道路の陥没・損傷: 回答済",
        "Status changed 2026-000004 道路の陥没・損傷: Replied to citizen",
        "対応状況 2026-000005 公園の遊具: 対応中",
        "訂正 2026-000006 道路の陥没・損傷: 氏名、住所・目印",
        "移管された案件 2026-000007 ",
        "所管課から回答 2026-000008 道路の陥没・損傷",
        "所管課が市民へ直接回答 2026-000009 道路の陥没・損傷",
        "対応期限を過ぎた案件が 12 件あります",
        "状況変更 2026-000010 道路の陥没・損傷: 保留",  # a status this version never had
        "システム停止のお知らせ",
    ]
    ids = [OldNotice.objects.create(to_callcenter=True, title=title).pk for title in titles]

    MIGRATION.codes_from_titles(old, None)

    notices = [Notice.objects.get(pk=pk) for pk in ids]
    assert [(n.code, n.params) for n in notices] == [
        ("case_new", {"reference": "2026-000001", "category": "道路の陥没・損傷"}),
        ("case_urgent", {"reference": "2026-000002", "category": "食中毒の疑い"}),
        (
            "case_status",
            {"reference": "2026-000003", "category": "道路の陥没・損傷", "status": "answered"},
        ),
        (
            "case_status",
            {
                "reference": "2026-000004",
                "category": "道路の陥没・損傷",
                "status": "citizen_answered",
            },
        ),
        (
            "case_work_status",
            {"reference": "2026-000005", "category": "公園の遊具", "work_status": "working"},
        ),
        (
            "case_corrected",
            {
                "reference": "2026-000006",
                "category": "道路の陥没・損傷",
                "fields": ["caller_name", "address"],
            },
        ),
        ("case_transferred", {"reference": "2026-000007", "category": ""}),
        ("case_replied", {"reference": "2026-000008", "category": "道路の陥没・損傷"}),
        ("case_answered_directly", {"reference": "2026-000009", "category": "道路の陥没・損傷"}),
        ("department_overdue", {"count": 12}),
        ("", {}),
        ("", {}),
    ]
    with translation.override("en"):
        shown = [notice.text for notice in notices]
    assert shown[2] == "Status changed 2026-000003 道路の陥没・損傷: Replied"
    assert shown[5] == "Correction 2026-000006 道路の陥没・損傷: Name, Address/landmark"
    assert shown[9] == "12 case(s) are past their due date"
    assert shown[10:] == titles[10:]
    # Read back in Japanese, the known Japanese titles render exactly as they were stored.
    japanese = [0, 1, 2, 4, 5, 7, 8, 9]
    with translation.override("ja"):
        assert [notices[i].text for i in japanese] == [titles[i] for i in japanese]
        assert notices[3].text == "状況変更 2026-000004 道路の陥没・損傷: 市民回答済"
