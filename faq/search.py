"""FAQ search suited to Japanese, on PostgreSQL and SQLite alike.

Every query word must appear (AND). On PostgreSQL a word of three or more characters is a
LIKE on the normalised text, served by a pg_trgm GIN index; a one- or two-character word
(犬, 陥没) is looked up in a GIN index over the entry's short-token array, because pg_trgm
cannot use its index below three characters. SQLite (development) uses LIKE for both.
Ranking: the whole phrase in the question first, then words in the question, then in the
keywords, then in the answer. One query per search, whatever the number of entries.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Expression, F, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from faq.models import FaqEntry
from faq.normalize import (
    is_token_term,
    normalize_text,
    normalized_pieces,
    normalized_same_length,
    query_terms,
)

SNIPPET_LENGTH = 90
# Only needed inside the database; not worth sending back with every result.
SEARCH_COLUMNS = ("search_question", "search_keywords", "search_text", "search_tokens")


def term_filter(term: str) -> Q:
    if connection.vendor == "postgresql" and is_token_term(term):
        return Q(search_tokens__contains=[term])
    return Q(search_text__contains=term)


def _score(terms: list[str], phrase: str) -> Expression | F:
    parts = [
        Case(
            When(search_question__startswith=phrase, then=Value(150)),
            When(search_question__contains=phrase, then=Value(100)),
            default=Value(0),
            output_field=IntegerField(),
        )
    ]
    for term in terms:
        parts.append(
            Case(
                When(search_question__contains=term, then=Value(20)),
                When(search_keywords__contains=term, then=Value(8)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    score: Expression = parts[0]
    for part in parts[1:]:
        score = score + part
    return score


def search_entries(queryset: QuerySet[FaqEntry], query: str) -> QuerySet[FaqEntry]:
    """Entries of ``queryset`` matching every word of ``query``, best first."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    for term in terms:
        queryset = queryset.filter(term_filter(term))
    phrase = normalize_text(" ".join(query.split()))
    return (
        queryset.defer(*SEARCH_COLUMNS)
        .annotate(score=_score(terms, phrase))
        .order_by("-score", "question", "pk")
    )


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _match_spans(text: str, terms: list[str]) -> list[Span]:
    spans: list[Span] = []
    normalized = normalized_same_length(text)
    span_of: Callable[[int, int], Span]
    if normalized is not None:
        span_of = Span  # positions in the normalised text are positions in ``text``
    else:
        pieces = normalized_pieces(text)
        normalized = "".join(piece[0] for piece in pieces)

        def span_of(start: int, end: int) -> Span:
            return Span(pieces[start][1], pieces[end - 1][2])

    for term in terms:
        position = normalized.find(term)
        while position != -1:
            spans.append(span_of(position, position + len(term)))
            position = normalized.find(term, position + len(term))
    spans.sort(key=lambda span: (span.start, -span.end))
    merged: list[Span] = []
    for span in spans:
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def highlight(text: str, query: str, *, window: int | None = None) -> SafeString:
    """``text`` escaped, with the query's words wrapped in <mark>.

    With ``window`` the result is an excerpt of about that many characters around the
    first match (or the start of the text when nothing matches).
    """
    terms = query_terms(query)
    spans = _match_spans(text, terms) if terms else []
    start, end = 0, len(text)
    if window is not None and len(text) > window:
        anchor = spans[0].start if spans else 0
        start = max(0, anchor - window // 3)
        end = min(len(text), start + window)
        start = max(0, end - window)
    output: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for span in spans:
        if span.end <= start or span.start >= end:
            continue
        span_start, span_end = max(span.start, start), min(span.end, end)
        output.append(escape(text[cursor:span_start]))
        output.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    output.append(escape(text[cursor:end]))
    if end < len(text):
        output.append("…")
    return mark_safe("".join(output))  # noqa: S308  # nosec B308 B703 - every piece is escaped above
