"""Text normalisation for Japanese search: width, kana and case differences disappear.

Both the stored search columns and the operator's query go through ``normalize_text``,
so ｺﾞﾐ, ごみ and ゴミ (and ＡＢＣ / abc) compare equal. The per-character mapping back
to the original text lets the snippet highlight the very characters that matched.
"""

import functools
import unicodedata

import jaconv

# Tokens for the one- and two-character index: pg_trgm cannot use its index below three
# characters, and Japanese words such as 犬 or 陥没 are that short.
SHORT_TOKEN_MAX = 2


# Highlighting a page of answers normalises thousands of characters from a small alphabet.
@functools.lru_cache(maxsize=8192)
def _normalize_char(char: str) -> str:
    return jaconv.kata2hira(unicodedata.normalize("NFKC", char)).lower()


def normalized_same_length(text: str) -> str | None:
    """``text`` normalised, when every character stays one character and nothing combines
    (nearly every answer): positions in it are then positions in ``text``, and highlighting
    needs no per-character table. None otherwise: use ``normalized_pieces``."""
    normalized = "".join(map(_normalize_char, text))
    if len(normalized) != len(text) or any(map(unicodedata.combining, normalized)):
        return None
    return normalized


def normalized_pieces(text: str) -> list[tuple[str, int, int]]:
    """(normalised character, start, end in ``text``) for every normalised character."""
    pieces: list[tuple[str, int, int]] = []
    for index, char in enumerate(text):
        for normalized in _normalize_char(char):
            if pieces and unicodedata.combining(normalized):
                # Half-width ｺﾞ is two characters; NFKC per character leaves a combining
                # mark that must join the previous character to become ご.
                previous, start, _end = pieces[-1]
                joined = unicodedata.normalize("NFC", previous + normalized)
                if len(joined) == 1:
                    pieces[-1] = (joined, start, index + 1)
                    continue
            pieces.append((normalized, index, index + 1))
    return pieces


def normalize_text(text: str) -> str:
    return "".join(piece[0] for piece in normalized_pieces(text or ""))


def query_terms(query: str) -> list[str]:
    """The normalised words of a query (split on any whitespace, duplicates dropped)."""
    terms: list[str] = []
    for term in normalize_text(query).split():
        if term not in terms:
            terms.append(term)
    return terms


def is_token_term(term: str) -> bool:
    """Short words are looked up in the token index instead of the trigram index."""
    return len(term) <= SHORT_TOKEN_MAX and all(char.isalnum() for char in term)


def short_tokens(normalized: str) -> str:
    """Every one- and two-character word piece of ``normalized``, space separated."""
    tokens: set[str] = set()
    for run in normalized.split():
        for start in range(len(run)):
            for size in range(1, SHORT_TOKEN_MAX + 1):
                token = run[start : start + size]
                if len(token) == size and all(char.isalnum() for char in token):
                    tokens.add(token)
    return " ".join(sorted(tokens))
