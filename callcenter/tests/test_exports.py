"""Exports of the case list and the call log: content, encodings, defusing, permissions, audit."""

import codecs
import csv
import io
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from faq.models import SimpleCall
from kobepost.audit.models import AuditAction, AuditEvent
from tickets.models import Dial
from tickets.tests.factories import make_case

CASE_EXPORT = reverse("callcenter:case_export")
CALL_EXPORT = reverse("callcenter:call_export")


@pytest.fixture
def cases(operator):
    road = make_case(
        operator,
        title='=HYPERLINK("http://evil.example")',
        caller_name="髙橋 𠮷子",
        caller_kana="タカハシ ヨシコ",
        caller_phone="078-331-8181",
        details="+穴が深い〜危険",
    )
    food = make_case(
        operator,
        "food-poisoning",
        title="弁当で食中毒",
        caller_name="日向 太郎",
        health_symptoms="嘔吐と発熱",
    )
    return road, food


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.getvalue()


def read_csv(response, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode(encoding), newline="")))


def test_csv_is_utf8_with_bom_defused_and_audited(login_client, supervisor, cases):
    road, food = cases
    response = login_client(supervisor).get(CASE_EXPORT, {"format": "csv", "personal": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="cases-' in response["Content-Disposition"]
    data = body(response)
    assert data.startswith(codecs.BOM_UTF8)
    rows = read_csv(_Replay(data))
    header, *lines = rows
    assert header[0] == "受付番号" and "健康被害の症状" in header and "氏名" in header
    by_reference = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert by_reference[road.reference]["タイトル"].startswith("'=HYPERLINK")
    assert by_reference[road.reference]["内容詳細"] == "'+穴が深い〜危険"
    assert by_reference[road.reference]["氏名"] == "髙橋 𠮷子"
    assert by_reference[food.reference]["健康被害の症状"] == "嘔吐と発熱"
    audit = AuditEvent.objects.filter(action=AuditAction.RECORD_EXPORT, user=supervisor)
    assert sorted(audit.values_list("record_id", flat=True)) == sorted([str(road.pk), str(food.pk)])
    assert "health_symptoms" in audit.first().fields and "caller_name" in audit.first().fields


class _Replay:
    """A stand-in response whose content was already read."""

    streaming = False

    def __init__(self, data: bytes) -> None:
        self.data = data

    def getvalue(self) -> bytes:
        return self.data


def test_without_personal_option_no_personal_columns(login_client, supervisor, cases):
    response = login_client(supervisor).get(CASE_EXPORT, {"format": "csv"})
    text = body(response).decode("utf-8-sig")
    assert "日向" not in text and "嘔吐" not in text and "078-331" not in text
    assert "弁当で食中毒" in text
    event = AuditEvent.objects.filter(action=AuditAction.RECORD_EXPORT).first()
    assert "caller_name" not in event.fields and "title" in event.fields


def test_shift_jis_replaces_what_cp932_lacks(login_client, supervisor, cases):
    _road, _food = cases
    response = login_client(supervisor).get(
        CASE_EXPORT, {"format": "csv", "encoding": "cp932", "personal": "1"}
    )
    assert response["Content-Type"] == "text/csv; charset=shift_jis"
    data = body(response)
    assert not data.startswith(codecs.BOM_UTF8)
    text = data.decode("cp932")
    assert "髙橋 吉子" in text  # 髙 exists in cp932, 𠮷 becomes its everyday form
    assert "'+穴が深い～危険" in text  # WAVE DASH spelled as Windows spells it


def search_address(client, params: dict) -> str:
    """The query string the case list shows a posted search at (``s=`` and the filters)."""
    return client.post(reverse("callcenter:case_list"), params)["Location"].partition("?")[2]


def test_xlsx_holds_text_cells_and_the_current_filters(login_client, supervisor, cases):
    _road, food = cases
    client = login_client(supervisor)
    searched = search_address(client, {"q": "弁当"})
    response = client.get(f"{CASE_EXPORT}?{searched}&format=xlsx&personal=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 2 and rows[1][0] == food.reference
    assert all(cell.data_type == "s" for cell in sheet[2] if cell.value is not None)
    audit = AuditEvent.objects.filter(action=AuditAction.RECORD_EXPORT)
    assert list(audit.values_list("record_id", flat=True)) == [str(food.pk)]
    # The search is named by its address, never by its words.
    assert "s=" in audit.first().detail and "弁当" not in audit.first().detail


def test_department_staff_export_only_their_own_cases(login_client, staff_eisei, cases):
    road, food = cases
    response = login_client(staff_eisei).get(CASE_EXPORT, {"format": "csv", "personal": "1"})
    text = body(response).decode("utf-8-sig")
    assert food.reference in text and road.reference not in text
    assert "嘔吐と発熱" in text  # their own department's case: allowed to see


@pytest.mark.parametrize("who", ["operator", "admin_user"])
def test_operators_and_admins_may_not_export(request, login_client, cases, who):
    client = login_client(request.getfixturevalue(who))
    assert client.get(CASE_EXPORT).status_code == 403
    assert client.get(CALL_EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_EXPORT).exists()


def test_department_staff_may_not_export_the_call_log(login_client, staff_tobu):
    assert login_client(staff_tobu).get(CALL_EXPORT).status_code == 403


def test_export_refuses_post(login_client, supervisor):
    assert login_client(supervisor).post(CASE_EXPORT).status_code == 405


def test_call_log_export(login_client, supervisor, operator):
    SimpleCall.objects.create(
        dial=Dial.objects.get(code="roads"), topic="@ゴミの日", note="質問", operator=operator
    )
    response = login_client(supervisor).get(CALL_EXPORT, {"format": "csv"})
    rows = read_csv(_Replay(body(response)))
    assert rows[0][:2] == ["受付日時", "ダイヤル"]
    assert rows[1][3] == "'@ゴミの日" and rows[1][5] == "山田 花子"
    assert AuditEvent.objects.filter(
        action=AuditAction.RECORD_EXPORT, record_type="faq.simplecall"
    ).exists()


def test_export_queries_do_not_grow_with_rows(
    login_client, supervisor, operator, django_assert_max_num_queries
):
    for number in range(30):
        make_case(operator, title=f"案件{number}", caller_name="氏名")
    client = login_client(supervisor)
    with django_assert_max_num_queries(12):
        response = client.get(CASE_EXPORT, {"format": "csv", "personal": "1"})
        assert len(body(response).decode("utf-8-sig").splitlines()) == 31


def test_list_page_offers_export_with_the_filters(login_client, supervisor, operator, cases):
    client = login_client(supervisor)
    searched = search_address(client, {"q": "弁当", "status": "open"})
    page = client.get(f"/callcenter/cases/?{searched}").content.decode()
    export_form = page[page.index('action="/callcenter/cases/export/"') :]
    [key] = parse_qs(searched)["s"]
    assert f'<input type="hidden" name="s" value="{key}">' in export_form
    assert '<input type="hidden" name="status" value="open">' in export_form
    assert "弁当" not in export_form
    operator_page = login_client(operator).get("/callcenter/cases/").content.decode()
    assert "/callcenter/cases/export/" not in operator_page


def test_export_without_personal_columns_scrubs_the_title(login_client, supervisor, operator):
    case = make_case(
        operator,
        title="山田太郎さん宅前 ０７８－１２３－４５６７ 道路に穴",
        caller_name="山田 太郎",
        caller_phone="078-123-4567",
    )
    client = login_client(supervisor)
    plain = read_csv(client.get(CASE_EXPORT, {"format": "csv"}))
    header, [row] = plain[0], plain[1:]
    assert dict(zip(header, row, strict=True))["タイトル"] == (
        "〔削除: 氏名〕さん宅前 〔削除: 電話番号〕 道路に穴"
    )
    assert not any("山田" in cell or "１２３" in cell for cell in row)
    # With the personal flag (audited, for those who may) the title is as typed.
    personal = read_csv(client.get(CASE_EXPORT, {"format": "csv", "personal": "1"}))
    assert case.title in personal[1]


def test_call_log_export_scrubs_numbers_typed_into_the_note(login_client, supervisor, operator):
    SimpleCall.objects.create(
        dial=Dial.objects.get(code="roads"),
        operator=operator,
        topic="粗大ごみ",
        note="折り返し 090-1234-5678 へ",
    )
    rows = read_csv(login_client(supervisor).get(CALL_EXPORT, {"format": "csv"}))
    assert "折り返し 〔削除: 電話番号〕 へ" in rows[1]
