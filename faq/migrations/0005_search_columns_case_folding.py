"""FAQ search columns in the case search's folding (katakana, upper case).

The FAQ used to fold to hiragana and lower case, the cases to katakana and upper case; both now
fold with ``kobepost.lib.textfold.fold``. The stored columns were computed with the old folding
and the queries are folded with the new one, so every entry's search columns and every logged
unanswered query are recomputed here, or a search would stop finding the entries it found.
A few hundred entries: one pass, in batches to keep memory flat.
"""

import unicodedata

import jaconv
from django.db import migrations

from faq.normalize import short_tokens
from kobepost.lib.textfold import fold

BATCH = 500
ENTRY_COLUMNS = ["search_question", "search_keywords", "search_text", "search_tokens"]


def _hiragana_lower(text: str) -> str:
    # The folding this migration replaces, for going back.
    return jaconv.kata2hira(unicodedata.normalize("NFKC", text or "")).lower()


def recompute(folding):
    def apply(apps, schema_editor):
        FaqEntry = apps.get_model("faq", "FaqEntry")
        entries = FaqEntry.objects.order_by("pk").only("pk", "question", "keywords", "answer")
        last_pk = 0
        while batch := list(entries.filter(pk__gt=last_pk)[:BATCH]):
            for entry in batch:
                entry.search_question = folding(entry.question)
                entry.search_keywords = folding(entry.keywords)
                entry.search_text = "\n".join(
                    [entry.search_question, entry.search_keywords, folding(entry.answer)]
                )
                entry.search_tokens = short_tokens(entry.search_text)
            FaqEntry.objects.bulk_update(batch, ENTRY_COLUMNS)
            last_pk = batch[-1].pk

        UnansweredSearch = apps.get_model("faq", "UnansweredSearch")
        searches = UnansweredSearch.objects.order_by("pk").only("pk", "query")
        last_pk = 0
        while batch := list(searches.filter(pk__gt=last_pk)[:BATCH]):
            for search in batch:
                search.normalized_query = folding(search.query)[:200]
            UnansweredSearch.objects.bulk_update(batch, ["normalized_query"])
            last_pk = batch[-1].pk

    return apply


class Migration(migrations.Migration):
    dependencies = [("faq", "0004_simplecall_drop_redundant_indexes")]

    operations = [migrations.RunPython(recompute(fold), recompute(_hiragana_lower))]
