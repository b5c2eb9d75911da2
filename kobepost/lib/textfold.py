"""Folding Japanese text for search: the one spelling stored texts and queries are compared in.

Operators and citizens type in whatever input mode is on, so width, hiragana/katakana and
letter case must not matter: ｺﾞﾐ, ごみ and ゴミ fold alike, and so do ＡＢＣ, abc and ABC.
Case search (``tickets``), FAQ search (``faq``) and the outbound scrubbing (``tickets.outbound``)
all fold with ``fold``; a stored search column and the query that looks in it must be folded
by the same function, or a search silently stops finding entries.

The folding is NFKC (full-width letters and digits, half-width katakana, ㈱ and the like),
then katakana (katakana has a letter for every hiragana one, ヷ and ヺ have no hiragana), then
upper case (context-free in Python, unlike lower case with its final sigma).

Changing it means recomputing every stored folded value: the cases' ``search_text`` and
``search_tokens``, the FAQ entries' search columns and the logged unanswered queries.
"""

import functools
import unicodedata

import jaconv


def fold(text: str) -> str:
    """``text`` in the search spelling: NFKC, katakana, upper case."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "")).upper()


# Highlighting a page of answers folds thousands of characters from a small alphabet.
@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    return fold(char)


def folded_same_length(text: str) -> str | None:
    """``fold(text)`` when every character folds to one character and nothing combines
    (nearly every text): positions in it are then positions in ``text``, and a highlight
    needs no per-character table. None otherwise: use ``folded_pieces``."""
    folded = "".join(map(_fold_char, text))
    if len(folded) != len(text) or any(map(unicodedata.combining, folded)):
        return None
    return folded


def folded_pieces(text: str) -> list[tuple[str, int, int]]:
    """(folded character, start, end in ``text``) for every folded character, so that a
    match found in the folded text can be marked on the characters that were typed.
    Joined, the pieces are ``fold(text)`` (see kobepost/lib/tests/test_textfold.py)."""
    pieces: list[tuple[str, int, int]] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            if pieces and unicodedata.combining(folded):
                # Half-width ｺﾞ is two characters; folding each alone leaves a combining
                # mark that must join the previous character to become ゴ, as NFKC of the
                # whole text does. Joined only when the typed characters fold to one:
                # わ゙ stays ワ + ゙ as in ``fold`` (NFKC composes before the kana change).
                _previous, start, _end = pieces[-1]
                joined = fold(text[start : index + 1])
                if len(joined) == 1:
                    pieces[-1] = (joined, start, index + 1)
                    continue
            pieces.append((folded, index, index + 1))
    return pieces
