"""Real concurrent transactions on PostgreSQL: numbering and the double-submit guard."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from tickets.models import Case, Category, FiscalYearCounter
from tickets.services import case_create_once, intake_token_issue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.USING_POSTGRESQL, reason="row locks need PostgreSQL"),
]


def run_in_threads(count: int, target) -> list:
    results: list = []
    errors: list = []
    barrier = threading.Barrier(count)

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # the test reports any failure below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_parallel_allocations_never_share_a_number():
    references = run_in_threads(6, lambda: FiscalYearCounter.allocate(2026))
    assert sorted(references) == [f"2026-{n:06d}" for n in range(1, 7)]


def test_parallel_submits_of_one_token_create_one_case(kobe, operator):
    token = intake_token_issue(user=operator)
    category = Category.objects.get(code="road-damage")

    def submit():
        case, _created = case_create_once(
            token=token, created_by=operator, category=category, title="同時送信"
        )
        return case.pk

    case_ids = run_in_threads(4, submit)
    assert Case.objects.count() == 1
    assert set(case_ids) == {Case.objects.get().pk}
