"""Admins load the ~90 city staff from the city's spreadsheet, all or nothing."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kobepost.accounts.models import User

HEADER = "ID,氏名,メールアドレス,役割,課コード\n"


def upload(client: Client, text: str, encoding: str = "utf-8-sig"):
    file = SimpleUploadedFile("staff.csv", text.encode(encoding), content_type="text/csv")
    return client.post("/admin/kobepost/user/import/", {"file": file})


def test_import_creates_accounts_and_shows_initial_passwords(admin_user, login_client):
    client = login_client(admin_user)
    response = upload(
        client,
        HEADER
        + "k-tanaka,田中 一郎,tanaka@city.kobe.example,所管課職員,kensetsu-tobu\n"
        + "k-suzuki,鈴木 次郎,,オペレーター,\n",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 件のアカウントを登録しました" in body
    tanaka = User.objects.get(username="k-tanaka")
    assert tanaka.role == User.Role.DEPARTMENT_STAFF
    assert tanaka.department.code == "kensetsu-tobu"
    assert tanaka.has_usable_password()
    assert User.objects.get(username="k-suzuki").role == User.Role.OPERATOR


def test_shift_jis_from_excel_is_accepted(admin_user, login_client):
    client = login_client(admin_user)
    upload(client, HEADER + "k-mori,森 三郎,,スーパーバイザー,\n", encoding="cp932")
    assert User.objects.get(username="k-mori").display_name == "森 三郎"


def test_bad_rows_are_reported_and_nothing_is_imported(admin_user, login_client, operator):
    client = login_client(admin_user)
    response = upload(
        client,
        HEADER
        + "k-ok,正常 行,,オペレーター,\n"
        + f"{operator.username},重複,,オペレーター,\n"
        + "k-nodept,課なし,,所管課職員,\n"
        + "k-badrole,役割違い,,課長,\n"
        + "k-badmail,メール違い,not-an-address,オペレーター,\n"
        + "k-unknown,課不明,,所管課職員,no-such-dept\n",
    )
    body = response.content.decode()
    assert "1 件も登録していません" in body
    assert "3 行目" in body and "既に使われています" in body
    assert "4 行目" in body and "課コードが必要です" in body
    assert "5 行目" in body and "役割「課長」は使えません" in body
    assert "6 行目" in body and "メールアドレスの形式が正しくありません" in body
    assert "7 行目" in body and "課コード「no-such-dept」は登録されていません" in body
    assert not User.objects.filter(username__startswith="k-").exists()


def test_missing_column_is_named(admin_user, login_client):
    response = upload(login_client(admin_user), "ID,氏名\nk-x,x\n")
    assert (
        "見出し行に次の列がありません: メールアドレス、役割、課コード" in response.content.decode()
    )


def test_import_is_for_admins_only(operator, staff_tobu, login_client):
    for user in (operator, staff_tobu):
        response = upload(login_client(user), HEADER + "k-x,x,,オペレーター,\n")
        assert response.status_code == 302
    assert not User.objects.filter(username="k-x").exists()
