"""The archive generator: tiny runs whose rows must behave like rows typed through the app."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Min

from faq.models import FaqEntry, SimpleCall
from faq.search import search_entries
from kobepost.lib.jp_calendar import fiscal_year_of
from kobepost.lib.textfold import fold
from kobepost.public.models import Post
from tickets.models import Case, CaseEvent, FiscalYearCounter
from tickets.normalize import search_text, search_tokens
from tickets.search import search_cases
from tickets.services import case_create

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator uses PostgreSQL COPY"
)


def generate(**numbers) -> str:
    out = io.StringIO()
    options = {"cases": 400, "posts": 30, "faq": 40, "calls": 200, "years": 3, "seed": 7}
    call_command("generate_archive", stdout=out, **{**options, **numbers})
    return out.getvalue()


@pytest.mark.django_db
def test_counts_match_the_options(kobe):
    output = generate()

    assert "完了" in output
    assert Case.objects.count() == 400
    assert Post.objects.count() == 30
    assert FaqEntry.objects.count() == 40
    assert SimpleCall.objects.count() == 200
    # Every case has its creation event; closed ones a full timeline.
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.CREATED).count() == 400
    assert Case.objects.exclude(status=Case.Status.CLOSED).count() == 20  # 5 % open
    closed = Case.objects.filter(status=Case.Status.CLOSED).first()
    assert list(closed.events.values_list("to_status", flat=True))[-1] == Case.Status.CLOSED


@pytest.mark.django_db
def test_milestones_are_the_first_time_of_each_status_on_the_timeline(kobe):
    generate()

    firsts = {
        column: dict(
            CaseEvent.objects.filter(to_status=status)
            .values("case_id")
            .annotate(first=Min("at"))
            .values_list("case_id", "first")
        )
        for status, column in Case.MILESTONES.items()
    }
    assert firsts["first_closed_at"] and firsts["first_told_at"]
    for case in Case.objects.only("pk", *Case.MILESTONES.values()):
        for column, first in firsts.items():
            assert getattr(case, column) == first.get(case.pk), (case.pk, column)


@pytest.mark.django_db
def test_references_are_unique_per_fiscal_year_and_the_counter_continues(kobe, operator):
    generate()

    rows = list(Case.objects.values_list("reference", "fiscal_year", "received_at"))
    assert len({reference for reference, _fy, _at in rows}) == len(rows)
    for reference, fiscal_year, received_at in rows:
        assert reference.startswith(f"{fiscal_year}-")
        assert fiscal_year == fiscal_year_of(received_at)
    per_year = Counter(fiscal_year for _r, fiscal_year, _at in rows)
    for fiscal_year, count in per_year.items():
        assert FiscalYearCounter.objects.get(fiscal_year=fiscal_year).last_number == count

    # Sequences were reset: the app can add a case after the copied ids.
    category = Case.objects.first().category
    new_case = case_create(created_by=operator, category=category, title="新しい通報")
    latest = max(fiscal_year for fiscal_year in per_year)
    assert new_case.pk > max(Case.objects.exclude(pk=new_case.pk).values_list("pk", flat=True))
    assert new_case.reference == f"{latest}-{per_year[latest] + 1:06d}"


@pytest.mark.django_db
def test_search_finds_generated_cases_by_two_character_words(kobe):
    generate(cases=600)

    for word in ("陥没", "日向", "粗大", "消えている"):
        spelled = fold(word)
        expected = {
            pk
            for pk, title, details in Case.objects.values_list("pk", "title", "details")
            if spelled in fold(title) or spelled in fold(details)
        }
        assert expected, word
        found = set(search_cases(Case.objects.all(), word).values_list("pk", flat=True))
        assert found == expected, word
    # The tokens are exactly what saving the model computes.
    case = Case.objects.exclude(caller_name="").first()
    searchable = (case.title, case.details, case.caller_name, case.caller_kana)
    assert case.search_tokens == search_tokens(*searchable)
    assert case.search_text == search_text(*searchable)
    by_kana = search_cases(Case.objects.all(), case.caller_kana.split()[0])
    assert by_kana.filter(pk=case.pk).exists()
    by_phone = search_cases(Case.objects.all(), case.caller_phone)
    assert by_phone.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_generated_faq_entries_are_searchable(kobe):
    generate()

    entry = FaqEntry.objects.filter(question__contains="粗大ごみ").first()
    stored = [entry.search_question, entry.search_text, entry.search_tokens]
    entry.refresh_search_fields()
    assert stored == [entry.search_question, entry.search_text, entry.search_tokens]
    assert search_entries(FaqEntry.objects.all(), "粗大ごみ").filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_indexes_are_rebuilt_after_the_load(kobe):
    def index_names() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_case'")
            return {row[0] for row in cursor.fetchall()}

    before = index_names()
    generate(cases=50)
    assert index_names() == before
    assert "case_search_tokens_idx" in before


def test_refuses_sqlite(settings, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError):
        call_command("generate_archive", cases=1, stdout=io.StringIO())
