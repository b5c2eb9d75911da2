"""Japanese search: short words, width and kana, ranking, highlighted snippets."""

import pytest

from faq.models import FaqEntry
from faq.normalize import short_tokens
from faq.search import highlight, search_entries
from kobepost.lib.textfold import fold


def questions(query: str) -> list[str]:
    return [entry.question for entry in search_entries(FaqEntry.objects.all(), query)]


def test_normalisation_removes_width_kana_and_case_differences():
    # The case search's folding: katakana and upper case.
    assert fold("ｺﾞﾐ") == fold("ゴミ") == fold("ごみ") == "ゴミ"
    assert fold("ＡＢＣ　ﾊﾟﾝ") == "ABC パン"
    assert "陥没" in short_tokens(fold("道路の陥没")).split()


@pytest.fixture
def entries(make_entry):
    return {
        "bulky": make_entry(
            "粗大ごみの出し方",
            "事前に申し込み、処理券を貼って出します。",
            dial="clean110",
            department="kankyo-gyomu",
        ),
        "bulky_fee": make_entry(
            "手数料はいくらですか",
            "粗大ゴミの手数料は品目で決まります。",
            dial="clean110",
            department="kankyo-gyomu",
        ),
        "missed": make_entry(
            "収集されていない",
            "ｺﾞﾐが残っている場合は連絡します。",
            dial="clean110",
            department="kankyo-gyomu",
        ),
        "dog": make_entry(
            "犬の登録", "30日以内に登録します。", dial="hygiene", department="dobutsu"
        ),
        "rabies": make_entry(
            "予防注射の時期", "狂犬病の注射は毎年です。", dial="hygiene", department="dobutsu"
        ),
        "pothole": make_entry("道路の陥没を見つけた", "場所をお聞きします。"),
        "crack": make_entry("段差でつまずいた", "建設事務所へ。", keywords="陥没 ひび割れ"),
        "draft": make_entry("陥没の下書き", "未公開", status=FaqEntry.Status.DRAFT),
    }


@pytest.mark.parametrize("query", ["ｺﾞﾐ", "ごみ", "ゴミ", "ｺﾞﾐ　"])
def test_width_and_kana_variants_find_the_same_entries(entries, query):
    assert set(questions(query)) == {"粗大ごみの出し方", "手数料はいくらですか", "収集されていない"}


def test_one_character_word_is_found(entries):
    assert set(questions("犬")) == {"犬の登録", "予防注射の時期"}
    assert questions("犬")[0] == "犬の登録", "a question hit ranks above an answer hit"


def test_two_character_word_is_found_and_question_beats_keywords(entries):
    assert questions("陥没") == ["陥没の下書き", "道路の陥没を見つけた", "段差でつまずいた"]


def test_every_word_must_match(entries):
    assert questions("粗大ごみ 手数料") == ["手数料はいくらですか"]
    assert questions("粗大ごみ 犬") == []


def test_exact_phrase_in_question_ranks_first(entries, make_entry):
    make_entry("申し込みについて", "粗大ごみの出し方は別の FAQ を見てください。")
    assert questions("粗大ごみの出し方")[0] == "粗大ごみの出し方"


def test_nothing_and_punctuation_only_queries(entries):
    assert questions("") == []
    assert questions("マンホール") == []
    assert questions("%") == []
    assert questions("_") == []


def test_highlight_marks_the_original_characters():
    html = highlight("粗大ｺﾞﾐは申し込みが必要", "ごみ")
    assert html == "粗大<mark>ｺﾞﾐ</mark>は申し込みが必要"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("粗大ゴミの申し込みはＷＥＢでも受け付けます", "ごみ web"),
        ("犬の鳴き声がうるさい。イヌは隣の家です", "いぬ"),
        ("粗大ｺﾞﾐは申し込みが必要", "ごみ"),  # half-width: characters join
        ("㈱神戸 の ごみ", "ごみ (株)"),  # one character becomes three
        ("道路の陥没", "街灯"),  # no match
    ],
)
def test_highlight_is_the_same_with_or_without_the_one_to_one_shortcut(text, query, monkeypatch):
    shortcut = highlight(text, query, window=12)
    monkeypatch.setattr("faq.search.folded_same_length", lambda text: None)
    assert shortcut == highlight(text, query, window=12)


def test_highlight_escapes_html_in_text_and_query():
    html = highlight("<b>犬</b> & 猫", "<b>")
    assert "<b>" not in html.replace("<mark>", "").replace("</mark>", "")
    assert "<mark>&lt;b&gt;</mark>" in html
    assert "&amp; 猫" in html


def test_snippet_is_an_excerpt_around_the_match():
    text = "あ" * 200 + "陥没" + "い" * 200
    html = highlight(text, "陥没", window=60)
    assert "<mark>陥没</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html) < 100


def test_search_is_one_query_whatever_the_number_of_entries(make_entry, django_assert_num_queries):
    for number in range(30):
        make_entry(f"道路の陥没 {number}", "回答")
    with django_assert_num_queries(1):
        assert len(list(search_entries(FaqEntry.objects.all(), "陥没 道路")[:30])) == 30
