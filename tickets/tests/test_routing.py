"""The routing table's cached copy: read once, forgotten when the admin changes it."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from departments.models import Department
from tickets.forms import CaseIntakeForm
from tickets.models import Category, Dial
from tickets.routing import routing_table
from tickets.routing_cache import ROUTING_CACHE_KEY
from tickets.tests.factories import make_case

LIST = reverse("callcenter:case_list")
INTAKE = reverse("callcenter:case_create")


def test_the_table_is_read_once(kobe, django_assert_num_queries):
    with django_assert_num_queries(3):
        first = routing_table()
    with django_assert_num_queries(0):
        assert routing_table() == first
    names = [name for _pk, name in first.dials]
    assert names == list(Dial.objects.values_list("name", flat=True))
    assert len(first.categories) == Category.objects.count()


@pytest.mark.parametrize("model", [Dial, Category, Department])
def test_saving_or_deleting_forgets_the_copy(kobe, model):
    routing_table()
    row = model.objects.order_by("pk").first()
    row.name = "新しい名前"
    row.save()
    assert cache.get(ROUTING_CACHE_KEY) is None
    table = routing_table()
    shown = {
        Dial: [name for _pk, name in table.dials],
        Category: [row.name for row in table.categories],
        Department: [row.name for row in table.departments],
    }[model]
    assert "新しい名前" in shown


def test_deleting_a_category_forgets_the_copy(kobe):
    category = Category.objects.create(
        dial=Dial.objects.first(), code="temp", name="一時", department=Department.objects.first()
    )
    assert "一時" in [row.name for row in routing_table().categories]
    category.delete()
    assert "一時" not in [row.name for row in routing_table().categories]


def test_a_renamed_category_shows_on_the_next_page(login_client, operator):
    client = login_client(operator)
    assert "道路の穴ぼこ" not in client.get(INTAKE).content.decode()
    category = Category.objects.get(code="road-damage")
    category.name = "道路の穴ぼこ"
    category.save()
    assert "道路の穴ぼこ" in client.get(INTAKE).content.decode()
    assert "道路の穴ぼこ" in client.get(LIST).content.decode()


def test_a_stale_copy_never_lets_an_inactive_category_through(kobe):
    routing_table()
    category = Category.objects.get(code="road-damage")
    # update() bypasses save(): the cached copy still lists the category for a while...
    Category.objects.filter(pk=category.pk).update(active=False)
    form = CaseIntakeForm({"category": category.pk, "title": "陥没", "kind": "report"})
    assert str(category.pk) in str(form["category"])
    # ...but the submitted choice is checked against the database.
    assert not form.is_valid()
    assert "category" in form.errors


def test_pages_read_the_table_from_the_cache(login_client, operator, django_assert_num_queries):
    make_case(operator, title="歩道の陥没")
    client = login_client(operator)
    client.get(LIST)
    # session, user, the capped count, the page of cases: no dial, category or department
    with django_assert_num_queries(4):
        assert client.get(LIST).status_code == 200
