"""API clients are managed in the admin; the api_key is shown once and stored hashed."""

import re

import pytest
from django.core.exceptions import ValidationError

from kobepost.public.models import ApiClient, PostCategory, ServiceAttribute


def test_admin_creates_api_client_and_shows_key_once(login_client, admin_user):
    client = login_client(admin_user)
    response = client.post(
        "/admin/public/apiclient/add/",
        {"name": "神戸アプリ", "contact": "dev@example.jp", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    key = re.search(r"api_key: (\S+) ", shown).group(1)
    app = ApiClient.objects.get()
    assert app.key_digest != key and key not in app.key_digest
    assert ApiClient.for_key(key) == app
    assert key not in client.get(f"/admin/public/apiclient/{app.pk}/change/").content.decode()


def test_citizens_are_not_in_the_admin(login_client, admin_user):
    assert login_client(admin_user).get("/admin/public/citizen/").status_code == 404


def test_admin_edits_routing_group_keywords_and_details_of_a_post_category(
    login_client, admin_user, post_routing
):
    client = login_client(admin_user)
    listing = client.get("/admin/public/postcategory/").content.decode()
    assert "送付先の所管課" in listing and "建設局 東部建設事務所" in listing
    park = PostCategory.objects.get(code="park-equipment")
    page = client.get(f"/admin/public/postcategory/{park.pk}/change/").content.decode()
    for text in ("グループ", "キーワード", "詳細項目", "park_name", "公園名"):
        assert text in page


def test_a_list_detail_needs_choices_with_distinct_keys(db):
    park = PostCategory.objects.get(code="park-equipment")
    for values in ("", "a:一\na:二"):
        attribute = ServiceAttribute(
            category=park, code="x", description="x", datatype="singlevaluelist", values=values
        )
        with pytest.raises(ValidationError):
            attribute.clean()
    fine = ServiceAttribute(
        category=park, code="x", description="x", datatype="multivaluelist", values="a:一\nb"
    )
    fine.clean()
    assert fine.value_choices() == [("a", "一"), ("b", "b")]
