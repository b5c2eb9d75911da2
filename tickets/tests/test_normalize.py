import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tickets.normalize import (
    is_katakana,
    normalize_kana,
    normalize_phone,
    phone_digits,
    search_tokens,
)

HIRAGANA = st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
KATAKANA = st.characters(min_codepoint=0x30A1, max_codepoint=0x30F6)
HALF_WIDTH_KATAKANA = st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9D)
KANA_TEXT = st.text(st.one_of(HIRAGANA, KATAKANA, HALF_WIDTH_KATAKANA, st.just(" ")))

FULL_WIDTH = str.maketrans("0123456789-()", "０１２３４５６７８９－（）")


def test_kana_from_hiragana_and_half_width():
    assert normalize_kana("やまだ　はなこ") == "ヤマダ ハナコ"
    assert normalize_kana("ﾔﾏﾀﾞ ﾊﾅｺ") == "ヤマダ ハナコ"
    assert normalize_kana("ヤマダ") == "ヤマダ"


@given(KANA_TEXT)
def test_kana_output_is_full_width_katakana_only(text):
    result = normalize_kana(text)
    assert is_katakana(result), result
    assert normalize_kana(result) == result


@given(st.text(HIRAGANA, min_size=1))
def test_hiragana_and_katakana_spelling_normalise_alike(text):
    katakana = "".join(chr(ord(c) + 0x60) for c in text)
    assert normalize_kana(text) == normalize_kana(katakana)


@pytest.mark.parametrize(
    "spelling",
    ["078-331-8181", "０７８（３３１）８１８１", "0783318181", "078 331 8181", "+81 78-331-8181"],
)
def test_every_spelling_of_a_kobe_number_normalises_alike(spelling):
    phone = normalize_phone(spelling)
    assert phone.display == "078-331-8181"
    assert phone.digits == "0783318181"


def test_mobile_number():
    assert normalize_phone("09012345678").display == "090-1234-5678"


# Real Japanese numbers: Kobe land lines, mobiles, toll-free.
JAPANESE_NUMBERS = st.one_of(
    st.from_regex(r"\A078[2-9][0-9]{6}\Z"),
    st.from_regex(r"\A0[789]0[1-9][0-9]{7}\Z"),
)


@st.composite
def spellings(draw):
    digits = draw(JAPANESE_NUMBERS)
    display = normalize_phone(digits).display
    spelled = draw(
        st.sampled_from(
            [
                digits,
                display,
                display.translate(FULL_WIDTH),
                display.replace("-", " "),
                "+81 " + display[1:],
                digits.translate(FULL_WIDTH),
            ]
        )
    )
    return digits, spelled


@given(spellings())
def test_any_spelling_of_the_same_number_gives_the_same_digits(pair):
    digits, spelled = pair
    assert normalize_phone(spelled).digits == digits
    assert phone_digits(spelled) == digits


@pytest.mark.parametrize("short", ["110", "119", "#7119", "１１０", "171"])
def test_short_numbers_get_a_clear_japanese_error(short):
    with pytest.raises(ValidationError) as error:
        normalize_phone(short)
    assert "短縮番号" in error.value.messages[0]


@pytest.mark.parametrize("typed", ["12ab", "078-331-81８1x", "０７８ー３３１ーABCD", "電話なし"])
def test_letters_are_called_a_typing_slip_not_a_short_number(typed):
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert error.value.code == "not_digits"
    assert "数字" in error.value.messages[0] and "短縮番号" not in error.value.messages[0]


@given(st.text(alphabet="0123456789-() abcxyzあ#", min_size=1, max_size=16))
def test_only_a_service_number_is_ever_called_a_short_number(typed):
    try:
        normalize_phone(typed)
    except ValidationError as error:
        if error.code == "short_number":
            bare = "".join(c for c in typed if c not in "-() ")
            assert bare.lstrip("#").isdigit() and (bare.startswith(("#", "1")))
            assert len(bare.lstrip("#")) <= 4


@pytest.mark.parametrize("garbage", ["abc", "0783", "078-331-818"])
def test_invalid_numbers_are_refused_in_japanese(garbage):
    with pytest.raises(ValidationError) as error:
        normalize_phone(garbage)
    assert "電話番号" in error.value.messages[0]


def test_search_tokens_hold_every_character_and_pair():
    tokens = search_tokens("道路が陥没", "日向 さん")
    assert {"陥没", "陥", "日向", "道路"} <= set(tokens)
    assert "向サ" not in tokens  # no pair across a space
    assert "サン" in tokens  # hiragana is searched as katakana
