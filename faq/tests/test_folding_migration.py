"""Migration 0005: entries saved with the old FAQ folding (hiragana, lower case) are found
again once their search columns are recomputed in the folding queries now use."""

import importlib
import unicodedata

import jaconv
from django.apps import apps

from faq.models import FaqEntry, UnansweredSearch
from faq.normalize import short_tokens
from faq.search import search_entries
from faq.services import unanswered_search_log
from kobepost.lib.textfold import fold

migration = importlib.import_module("faq.migrations.0005_search_columns_case_folding")


def old_fold(text: str) -> str:
    return jaconv.kata2hira(unicodedata.normalize("NFKC", text)).lower()


def saved_with_old_folding(entry: FaqEntry) -> None:
    question, keywords = old_fold(entry.question), old_fold(entry.keywords)
    text = "\n".join([question, keywords, old_fold(entry.answer)])
    FaqEntry.objects.filter(pk=entry.pk).update(
        search_question=question,
        search_keywords=keywords,
        search_text=text,
        search_tokens=short_tokens(text),
    )


def found(query: str) -> list[str]:
    return [entry.question for entry in search_entries(FaqEntry.objects.all(), query)]


def test_entries_stored_in_the_old_folding_are_found_after_the_migration(make_entry):
    bulky = make_entry("粗大ゴミの出し方", "ＷＥＢでも申し込めます。", keywords="ソファ")
    dog = make_entry("犬の鳴き声", "イヌの苦情は動物管理センターへ。")
    for entry in (bulky, dog):
        saved_with_old_folding(entry)
    assert found("ごみ") == []  # the stale columns no longer match the queries' folding
    migration.recompute(fold)(apps, None)
    assert found("ごみ") == found("ｺﾞﾐ") == ["粗大ゴミの出し方"]
    assert found("web") == found("そふぁ") == ["粗大ゴミの出し方"]
    assert found("いぬ") == found("犬") == ["犬の鳴き声"]


def test_logged_unanswered_queries_are_refolded(kobe):
    logged = unanswered_search_log(query="ｿﾌｧ web", dial=None)
    UnansweredSearch.objects.filter(pk=logged.pk).update(normalized_query=old_fold(logged.query))
    migration.recompute(fold)(apps, None)
    logged.refresh_from_db()
    # Grouped with the same query typed today (the gaps report counts by this column).
    assert (
        logged.normalized_query
        == unanswered_search_log(query="そふぁ WEB", dial=None).normalized_query
    )
