"""Import and export of the whole FAQ: CSV (Excel) and xlsx, all-or-nothing."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from faq.models import FaqEntry
from faq.transfer import HEADER


def csv_upload(rows: list[list[str]], encoding: str = "utf-8-sig", name: str = "faq.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


GOOD = [
    "",
    "roads",
    "road-damage",
    "kensetsu-tobu",
    "published",
    "道路の陥没",
    "場所を聞く",
    "穴",
    "",
]


def test_good_rows_are_imported_and_searchable(login_client, supervisor, kobe):
    second = [
        "",
        "clean110",
        "",
        "kankyo-gyomu",
        "draft",
        "粗大ごみ",
        "申込制です",
        "",
        "2026-04-01",
    ]
    response = login_client(supervisor).post("/faq/import/", {"file": csv_upload([GOOD, second])})
    assert response.status_code == 302
    entries = FaqEntry.objects.order_by("question")
    assert [e.question for e in entries] == ["粗大ごみ", "道路の陥没"]
    assert entries[0].last_reviewed_on.isoformat() == "2026-04-01"
    assert entries[1].search_tokens and entries[1].revisions.count() == 1


def test_shift_jis_is_accepted(login_client, supervisor, kobe):
    login_client(supervisor).post("/faq/import/", {"file": csv_upload([GOOD], "cp932")})
    assert FaqEntry.objects.get().question == "道路の陥没"


def test_bad_rows_are_reported_and_nothing_is_imported(login_client, supervisor, kobe):
    rows = [
        GOOD,
        ["", "nowhere", "", "kensetsu-tobu", "published", "質問", "回答", "", ""],
        ["", "roads", "bulky-waste", "kensetsu-tobu", "maybe", "", "回答", "", "昨日"],
        ["999", "roads", "", "kensetsu-tobu", "draft", "質問", "回答", "", ""],
    ]
    response = login_client(supervisor).post("/faq/import/", {"file": csv_upload(rows)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 行に誤りがあるため、何も取り込んでいません。" in page
    assert "3 行目: ダイヤル「nowhere」はありません" in page
    assert "4 行目: 分類「bulky-waste」はこのダイヤルの分類ではありません" in page
    assert "質問が空です" in page and "最終確認日「昨日」" in page
    assert "5 行目: ID 999 の FAQ はありません" in page
    assert not FaqEntry.objects.exists()


def test_wrong_header_and_wrong_file_type(login_client, supervisor, kobe):
    client = login_client(supervisor)
    bad_header = SimpleUploadedFile("faq.csv", b"a,b\n1,2\n", "text/csv")
    assert (
        "1 行目: 1行目は見出し行"
        in client.post("/faq/import/", {"file": bad_header}).content.decode()
    )
    text = SimpleUploadedFile("faq.txt", b"x", "text/plain")
    assert ".csv または .xlsx" in client.post("/faq/import/", {"file": text}).content.decode()


def test_export_defuses_formulas_and_round_trips(login_client, supervisor, make_entry):
    entry = make_entry('=HYPERLINK("http://evil")', "+1 へ電話", keywords="-危険 @x")
    client = login_client(supervisor)
    response = client.get("/faq/export.csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1][5] == '\'=HYPERLINK("http://evil")'
    assert rows[1][6] == "'+1 へ電話" and rows[1][7] == "'-危険 @x"
    # Importing the export changes nothing (the defusing quote is taken off again).
    upload = SimpleUploadedFile("faq.csv", body, "text/csv")
    assert client.post("/faq/import/", {"file": upload}).status_code == 302
    entry.refresh_from_db()
    assert entry.question == '=HYPERLINK("http://evil")' and FaqEntry.objects.count() == 1


def test_xlsx_export_shows_formula_like_text_unchanged_and_imports(
    login_client, supervisor, make_entry
):
    make_entry("=1+1", "答え")
    client = login_client(supervisor)
    response = client.get("/faq/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = workbook.active["F2"]
    assert cell.value == "=1+1" and cell.data_type == "s"  # text, no apostrophe shown

    new_book = Workbook()
    new_book.active.append(HEADER)
    new_book.active.append(GOOD)
    buffer = io.BytesIO()
    new_book.save(buffer)
    upload = SimpleUploadedFile("faq.xlsx", buffer.getvalue())
    assert client.post("/faq/import/", {"file": upload}).status_code == 302
    assert FaqEntry.objects.filter(question="道路の陥没").exists()


def test_import_refuses_get_for_others_and_put(login_client, operator, supervisor):
    assert login_client(operator).post("/faq/import/").status_code == 403
    assert login_client(supervisor).put("/faq/import/").status_code == 405


def test_xlsx_export_imports_back_unchanged(login_client, supervisor, make_entry):
    entry = make_entry("＝1+1 ﹦HYPERLINK(1)", "一行目\r\n二行目 _x000D_ @x", keywords="-危険")
    client = login_client(supervisor)
    exported = client.get("/faq/export.xlsx").getvalue()
    upload = SimpleUploadedFile("faq.xlsx", exported)
    assert client.post("/faq/import/", {"file": upload}).status_code == 302
    entry.refresh_from_db()
    assert (entry.question, entry.answer, entry.keywords) == (
        "＝1+1 ﹦HYPERLINK(1)",
        "一行目\r\n二行目 _x000D_ @x",
        "-危険",
    )
