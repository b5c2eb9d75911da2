"""Open311 service definitions with attributes (which park, which equipment), group and
keywords, attributes on POST checked and shown to staff, and expected_datetime."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kobepost.lib.xmltext import xml_safe
from kobepost.public.models import Post, PostCategory, ServiceAttribute
from kobepost.public.service_attributes import AttributeRefused, attributes_clean
from kobepost.public.services import post_forward
from kobepost.public.tests.fixtures import make_post
from kobepost.public.tests.test_open311 import BASE, FORMATS, assert_error, parse


def park_fields(api_key: str, **extra) -> dict:
    return {
        "api_key": api_key,
        "service_code": "park-equipment",
        "description": "すべり台の手すりが外れています。",
        "lat": "34.6400",
        "long": "135.1100",
        **extra,
    }


def submit(client, citizen, fields: dict, fmt: str = "json"):
    token = citizen.issue_api_token()
    return client.post(f"{BASE}/requests.{fmt}", fields, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_have_groups_keywords_and_metadata(client, db, fmt):
    body = parse(client.get(f"{BASE}/services.{fmt}"), fmt)
    if fmt == "json":
        services = {s["service_code"]: s for s in body}
    else:
        services = {s.findtext("service_code"): {c.tag: c.text for c in s} for s in body}
    assert services["road-damage"]["group"] == "道路"
    assert services["street-light"]["group"] == "道路"
    assert services["park-equipment"]["group"] == "公園"
    assert services["illegal-dumping"]["group"] == "ごみ・環境"
    assert "陥没" in services["road-damage"]["keywords"].split(",")
    assert "すべり台" in services["park-equipment"]["keywords"].split(",")
    assert str(services["park-equipment"]["metadata"]).lower() == "true"
    assert str(services["other"]["metadata"]).lower() == "false"


def test_group_and_keywords_come_from_the_admins_category(client, db):
    PostCategory.objects.filter(code="other").update(group="", keywords="騒音、 におい ,,")
    other = next(
        s for s in client.get(f"{BASE}/services.json").json() if s["service_code"] == "other"
    )
    assert other["group"] == "KOBE ぽすと"
    assert other["keywords"] == "騒音,におい"


def test_service_list_costs_two_queries(client, db, django_assert_num_queries):
    with django_assert_num_queries(2):  # the categories, their attributes
        assert client.get(f"{BASE}/services.json").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_attributes(client, db, fmt):
    body = parse(client.get(f"{BASE}/services/park-equipment.{fmt}"), fmt)
    if fmt == "json":
        assert body["service_code"] == "park-equipment"
        park, equipment = body["attributes"]
        assert park == {
            "variable": True,
            "code": "park_name",
            "datatype": "string",
            "required": True,
            "datatype_description": "公園の入口の看板にある名前。例: 須磨浦公園",
            "order": 1,
            "description": "公園名",
            "values": [],
        }
        assert equipment["datatype"] == "singlevaluelist"
        assert equipment["required"] is False and equipment["order"] == 2
        assert {"key": "slide", "name": "すべり台"} in equipment["values"]
    else:
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "park-equipment"
        park, equipment = body.findall("attributes/attribute")
        assert park.findtext("variable") == "true"
        assert park.findtext("code") == "park_name"
        assert park.findtext("datatype") == "string"
        assert park.findtext("required") == "true"
        assert park.findtext("order") == "1"
        assert park.findtext("description") == "公園名"
        assert equipment.findtext("datatype") == "singlevaluelist"
        values = {v.findtext("key"): v.findtext("name") for v in equipment.findall("values/value")}
        assert values["slide"] == "すべり台"


@pytest.mark.parametrize("fmt", FORMATS)
def test_attributes_are_stored_and_shown_to_staff_only(
    client, citizen, api_client_key, login_client, supervisor, fmt
):
    response = submit(
        client,
        citizen,
        park_fields(
            api_client_key,
            **{"attribute[park_name]": " 須磨浦公園 ", "attribute[equipment]": "slide"},
        ),
        fmt,
    )
    assert response.status_code == 201, response.content
    post = Post.objects.get()
    assert post.attributes == {"park_name": "須磨浦公園", "equipment": "slide"}
    triage = login_client(supervisor).get(f"/triage/posts/{post.pk}/").content.decode()
    assert "<dt>公園名</dt><dd>須磨浦公園</dd>" in triage
    assert "<dt>遊具・設備</dt><dd>すべり台</dd>" in triage
    # Published, the public sees the post but never the details the citizen typed.
    Post.objects.filter(pk=post.pk).update(published=True)
    item = client.get(f"{BASE}/requests/{post.pk}.json").json()[0]
    assert "須磨浦公園" not in str(item)
    assert "須磨浦公園" not in client.get(f"/public/posts/{post.pk}/").content.decode()


def test_forwarding_gives_the_department_the_details(
    client, citizen, api_client_key, supervisor, post_routing
):
    submit(client, citizen, park_fields(api_client_key, **{"attribute[park_name]": "須磨浦公園"}))
    post = Post.objects.get()
    case = post_forward(
        post=post,
        user=supervisor,
        category=post_routing["park-equipment"],
        department=post_routing["park-equipment"].department,
        title="遊具",
    )
    assert case.details == "すべり台の手すりが外れています。\n\n公園名: 須磨浦公園"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("attributes", "refusal"),
    [
        ({}, "attribute[park_name] is required"),
        ({"attribute[park_name]": "  "}, "attribute[park_name] is required"),
        (
            {"attribute[park_name]": "須磨浦公園", "attribute[equipment]": "rocket"},
            "attribute[equipment]: 'rocket' is not one of its values",
        ),
        (
            {"attribute[park_name]": "須磨浦公園", "attribute[colour]": "red"},
            "attribute[colour] is not an attribute of service_code park-equipment",
        ),
        (
            {"attribute[park_name]": ["須磨浦公園", "王子公園"]},
            "attribute[park_name] takes one value",
        ),
        (
            {"attribute[park_name]": "公" * 201},
            "attribute[park_name] is longer than 200 characters",
        ),
    ],
)
def test_bad_attributes_are_refused_in_open311_format(
    client, citizen, api_client_key, fmt, attributes, refusal
):
    response = submit(client, citizen, park_fields(api_client_key, **attributes), fmt)
    assert assert_error(response, fmt, 400) == refusal
    assert not Post.objects.exists()


def test_a_multivaluelist_and_a_number(client, citizen, api_client_key):
    bicycles = PostCategory.objects.get(code="abandoned-bicycle")
    ServiceAttribute.objects.create(
        category=bicycles,
        code="kind",
        description="種類",
        datatype="multivaluelist",
        values="bicycle:自転車\nmoped:原付",
    )
    ServiceAttribute.objects.create(
        category=bicycles, code="count", description="台数", datatype="number"
    )
    fields = {
        "api_key": api_client_key,
        "service_code": "abandoned-bicycle",
        "description": "駅前に放置されています。",
        "address_string": "長田区若松町5丁目",
        "attribute[kind][]": ["moped", "bicycle", "moped"],
        "attribute[count]": "3",
    }
    assert submit(client, citizen, fields).status_code == 201
    assert Post.objects.get().attributes == {"kind": ["moped", "bicycle"], "count": 3}
    for bad, refusal in (
        ({"attribute[count]": "many"}, "attribute[count] must be a number"),
        ({"attribute[count]": "nan"}, "attribute[count] must be a number"),
        ({"attribute[kind][]": ["car"]}, "attribute[kind]: 'car' is not one of its values"),
    ):
        assert assert_error(submit(client, citizen, {**fields, **bad}), "json", 400) == refusal
    assert Post.objects.count() == 1


def test_a_definition_without_attributes_refuses_any(client, citizen, api_client_key):
    fields = {
        "api_key": api_client_key,
        "service_code": "other",
        "description": "困っています。",
        "address_string": "中央区",
        "attribute[park_name]": "須磨浦公園",
    }
    refusal = assert_error(submit(client, citizen, fields), "json", 400)
    assert refusal == "attribute[park_name] is not an attribute of service_code other"


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(max_size=260), datatype=st.sampled_from(["string", "text", "number", "datetime"])
)
def test_any_typed_answer_is_kept_clean_or_refused_by_name(text, datatype):
    category = PostCategory(pk=1, code="generated")
    attribute = ServiceAttribute(code="answer", description="回答", datatype=datatype)
    category._prefetched_objects_cache = {"attributes": [attribute]}
    try:
        cleaned = attributes_clean(category, {"answer": [text]})
    except AttributeRefused as refusal:
        assert str(refusal).startswith("attribute[answer]")
        return
    value = cleaned.get("answer")
    if datatype in ("string", "text") and value is not None:
        assert value == xml_safe(value) and value == value.strip() and value
    if datatype == "number" and value is not None:
        assert isinstance(value, int | float)
    if datatype == "datetime" and value is not None:
        assert datetime.datetime.fromisoformat(value).utcoffset() is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_expected_datetime_is_the_forwarded_cases_due_date(
    client, citizen, supervisor, post_routing, fmt
):
    road = post_routing["road-damage"]
    post = make_post(citizen, published=True)

    def expected() -> str | None:
        body = parse(client.get(f"{BASE}/requests/{post.pk}.{fmt}"), fmt)
        if fmt == "json":
            return body[0]["expected_datetime"]
        return body.find("request/expected_datetime").text

    assert expected() is None
    case = post_forward(
        post=post, user=supervisor, category=road, department=road.department, title="穴"
    )
    assert case.reply_due_date is not None
    assert expected() == f"{case.reply_due_date.isoformat()}T17:30:00+09:00"
    since = (post.created_at - datetime.timedelta(minutes=1)).isoformat()
    updates = client.get(f"{BASE}/request_updates.json", {"since": since}).json()
    assert updates[0]["expected_datetime"] == expected()
