"""FAQ search words and short tokens, in the search spelling of ``kobepost.lib.textfold``.

Both the stored search columns and the operator's query are folded by ``fold`` (the same
folding as case search), so ｺﾞﾐ, ごみ and ゴミ (and ＡＢＣ / abc) compare equal.
"""

from kobepost.lib.textfold import fold

# Tokens for the one- and two-character index: pg_trgm cannot use its index below three
# characters, and Japanese words such as 犬 or 陥没 are that short.
SHORT_TOKEN_MAX = 2


def query_terms(query: str) -> list[str]:
    """The folded words of a query (split on any whitespace, duplicates dropped)."""
    terms: list[str] = []
    for term in fold(query).split():
        if term not in terms:
            terms.append(term)
    return terms


def is_token_term(term: str) -> bool:
    """Short words are looked up in the token index instead of the trigram index."""
    return len(term) <= SHORT_TOKEN_MAX and all(char.isalnum() for char in term)


def short_tokens(folded: str) -> str:
    """Every one- and two-character word piece of ``folded``, space separated."""
    tokens: set[str] = set()
    for run in folded.split():
        for start in range(len(run)):
            for size in range(1, SHORT_TOKEN_MAX + 1):
                token = run[start : start + size]
                if len(token) == size and all(char.isalnum() for char in token):
                    tokens.add(token)
    return " ".join(sorted(tokens))
