import pytest

from departments.models import Department
from faq.models import FaqEntry
from tickets.models import Category, Dial


@pytest.fixture
def make_entry(kobe):
    """``make_entry(question, answer, ...)``: a published entry (roads dial by default)."""

    def make(
        question: str,
        answer: str = "回答です。",
        *,
        dial: str = "roads",
        category: str | None = None,
        department: str = "kensetsu-tobu",
        keywords: str = "",
        status: str = FaqEntry.Status.PUBLISHED,
        **extra,
    ) -> FaqEntry:
        return FaqEntry.objects.create(
            question=question,
            answer=answer,
            keywords=keywords,
            dial=Dial.objects.get(code=dial),
            category=Category.objects.get(code=category) if category else None,
            department=Department.objects.get(code=department),
            status=status,
            **extra,
        )

    return make
