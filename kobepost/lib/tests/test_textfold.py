"""One search folding for cases and FAQ: what is stored and what is asked fold alike.

A stored search column and the query looking in it must go through the same folding, or a
search silently stops finding entries. The properties below hold for any text drawn from what
operators type: hiragana, katakana, half-width katakana with its separate voiced marks,
full-width letters and digits, the long vowel mark, 々 and the iteration marks, kanji, spaces.
The searches themselves are run against the database at the end.
"""

import unicodedata

import jaconv
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from departments.models import Department
from faq.models import FaqEntry
from faq.normalize import is_token_term, query_terms, short_tokens
from faq.search import search_entries
from kobepost.lib.textfold import fold, folded_pieces, folded_same_length
from tickets.models import Case, Dial
from tickets.normalize import search_text, search_tokens
from tickets.search import search_cases
from tickets.tests.factories import make_case

HIRAGANA = st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
KATAKANA = st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA)
HALF_WIDTH_KATAKANA = st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9F)  # with ｰﾞﾟ
FULL_WIDTH_ASCII = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
MARKS = st.sampled_from(
    ["ー", "ｰ", "々", "〆", "ゝ", "ゞ", "ヽ", "ヾ", "゛", "゜", "\u3099", "\u309a", "・", "〜"]
)
KANJI = st.sampled_from("粗大陥没道路犬神戸区役所佐木日向高橋")
SPACES = st.sampled_from([" ", "\u3000", "\t"])
JAPANESE_TEXT = st.text(
    st.one_of(
        HIRAGANA,
        KATAKANA,
        HALF_WIDTH_KATAKANA,
        FULL_WIDTH_ASCII,
        st.characters(min_codepoint=0x21, max_codepoint=0x7E),
        MARKS,
        KANJI,
        SPACES,
    ),
    max_size=30,
)


def as_katakana(text: str) -> str:
    return jaconv.hira2kata(text)


def as_half_width(text: str) -> str:
    return jaconv.z2h(jaconv.hira2kata(text), kana=True, ascii=True, digit=True)


def as_full_width(text: str) -> str:
    return jaconv.h2z(text, kana=True, ascii=True, digit=True)


def test_kana_width_and_case_fold_alike():
    assert fold("ｺﾞﾐ") == fold("ごみ") == fold("ゴミ") == "ゴミ"
    assert fold("ＡＢＣ") == fold("abc") == fold("ABC") == "ABC"
    assert fold("ﾗｰﾒﾝ") == fold("らーめん") == "ラーメン"
    assert fold("佐々木") == "佐々木"


@given(st.text(HIRAGANA, min_size=1))
def test_every_spelling_of_a_kana_word_folds_alike(text):
    assert fold(text) == fold(as_katakana(text)) == fold(as_half_width(text))


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_full_and_half_width_letters_and_either_case_fold_alike(text):
    assert fold(text) == fold(as_full_width(text)) == fold(text.lower()) == fold(text.upper())


@given(JAPANESE_TEXT)
def test_the_case_search_normalising_the_query_first_changes_nothing(text):
    assert fold(unicodedata.normalize("NFKC", text)) == fold(text)


@hypothesis_settings(max_examples=500)
@given(JAPANESE_TEXT)
@example("わ゙")  # no precomposed letter: NFKC leaves two characters, so must the pieces
@example("粗大ｺﾞﾐ㈱")
def test_highlight_pieces_are_the_folded_text(text):
    # The FAQ marks matches on the typed characters through these pieces: they must spell
    # exactly what the search compared.
    assert "".join(piece for piece, _start, _end in folded_pieces(text)) == fold(text)
    same_length = folded_same_length(text)
    assert same_length is None or same_length == fold(text)


@given(JAPANESE_TEXT, JAPANESE_TEXT)
def test_case_search_columns_hold_every_query_word(stored, extra):
    """A case whose text is ``stored`` holds, in the folded columns a search looks in, every
    word of a query typed in any kana or width spelling of it."""
    text = search_text(stored, extra)
    tokens = set(search_tokens(stored, extra))
    for spelling in (stored, as_katakana(stored), as_half_width(stored)):
        for word in unicodedata.normalize("NFKC", spelling).split():
            folded = fold(word)
            # 1–2 characters are looked up in the tokens, longer words in the text.
            assert folded in (tokens if len(folded) <= 2 else text)


@given(JAPANESE_TEXT, JAPANESE_TEXT)
def test_faq_search_columns_hold_every_query_term(question, answer):
    entry = FaqEntry(question=question, answer=answer, keywords="")
    entry.refresh_search_fields()
    tokens = set(entry.search_tokens.split())
    for spelling in (question, as_katakana(question), as_half_width(question)):
        for term in query_terms(spelling):
            assert term in (tokens if is_token_term(term) else entry.search_text)


@given(JAPANESE_TEXT)
def test_cases_and_faq_store_the_same_spelling(text):
    entry = FaqEntry(question=text, answer="", keywords="")
    entry.refresh_search_fields()
    assert entry.search_question == fold(text)
    assert search_text(text) == fold(text)
    assert entry.search_tokens == short_tokens(fold(text))


WORDS = st.text(st.one_of(HIRAGANA, KATAKANA, KANJI, st.sampled_from("ー々")), min_size=1)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=WORDS, spelling=st.sampled_from([str, as_katakana, as_half_width]))
def test_a_stored_word_is_found_in_any_spelling(operator, word, spelling):
    """The searches themselves: a case and an FAQ entry holding ``word`` are found by the
    word typed in hiragana, katakana or half-width katakana."""
    FaqEntry.objects.all().delete()
    Case.objects.all().delete()
    entry = FaqEntry.objects.create(
        question=f"{word}について",
        answer="回答です。",
        dial=Dial.objects.get(code="roads"),
        department=Department.objects.get(code="kensetsu-tobu"),
        status=FaqEntry.Status.PUBLISHED,
    )
    case = make_case(operator, title=f"{word}の件")
    query = spelling(word)
    assert list(search_entries(FaqEntry.objects.all(), query)) == [entry]
    assert list(search_cases(Case.objects.all(), query)) == [case]
