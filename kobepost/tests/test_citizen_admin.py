"""API clients are managed in the admin; the api_key is shown once and stored hashed."""

import re

from kobepost.citizen_models import ApiClient


def test_admin_creates_api_client_and_shows_key_once(login_client, admin_user):
    client = login_client(admin_user)
    response = client.post(
        "/admin/kobepost/apiclient/add/",
        {"name": "神戸アプリ", "contact": "dev@example.jp", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    key = re.search(r"api_key: (\S+) ", shown).group(1)
    app = ApiClient.objects.get()
    assert app.key_digest != key and key not in app.key_digest
    assert ApiClient.for_key(key) == app
    assert key not in client.get(f"/admin/kobepost/apiclient/{app.pk}/change/").content.decode()


def test_citizens_are_not_in_the_admin(login_client, admin_user):
    assert login_client(admin_user).get("/admin/kobepost/citizen/").status_code == 404
