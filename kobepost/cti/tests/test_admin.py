import pytest
from django.urls import reverse

from kobepost.cti.models import Seat

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("given", ["abc", "\uff19" * 5000, "-1", "1.5"])
def test_a_seat_form_given_a_user_that_is_no_id_opens_empty(admin_client, given):
    response = admin_client.get(reverse("admin:cti_seat_add"), {"user": given})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get("user") is None


def test_a_seat_form_given_a_user_id_opens_with_that_operator(admin_client, operator):
    response = admin_client.get(reverse("admin:cti_seat_add"), {"user": str(operator.pk)})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["user"] == str(operator.pk)
    assert str(operator) in response.content.decode()  # the chosen operator is shown


@pytest.mark.parametrize("given", ["abc", "\uff19" * 5000, "-1", "1.5"])
def test_a_seat_posted_with_a_user_that_is_no_id_asks_for_an_operator(admin_client, given):
    response = admin_client.post(
        reverse("admin:cti_seat_add"),
        {"extension": "201", "user": given, "since_0": "2026-12-01", "since_1": "09:00"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Seat.objects.exists()
