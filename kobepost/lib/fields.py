"""Search-token columns shared by cases (tickets) and FAQ entries (faq).

Both apps find one- and two-character Japanese words (陥没, 犬) through a set of short tokens
per row, because pg_trgm cannot index fewer than three characters. On PostgreSQL the tokens
are a real ``text[]``: its GIN index answers ``tokens @> ARRAY[...]``, and ANALYZE keeps the
most common tokens with their frequencies. With those statistics the planner walks the
newest-first index for a common word (陥没 is in 4 % of cases: 50 hits within ~1,400 rows)
and uses the GIN index for a rare one. A ``jsonb`` column has no such statistics, so every
word looked rare and a common one read ~17,000 table pages to sort them (over 100 ms).
"""

import json
from collections.abc import Iterable

from django.db import NotSupportedError, models
from django.db.models import Lookup


class TokenArrayField(models.Field):
    """A list of tokens: ``text[]`` on PostgreSQL, a JSON list elsewhere (SQLite)."""

    def get_internal_type(self) -> str:
        # Not a built-in type: PostgreSQL's bulk insert would otherwise UNNEST it as text[][].
        return "TokenArrayField"

    def db_type(self, connection) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_prep_value(self, value):
        return None if value is None else list(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = value if prepared else self.get_prep_value(value)
        if value is None or connection.vendor == "postgresql":
            return value
        return json.dumps(value, ensure_ascii=False)

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value


class TokensContain(Lookup):
    """``tokens__contains=[...]``: every given token is in the row's tokens (PostgreSQL)."""

    lookup_name = "contains"
    prepare_rhs = False

    # The stubs expect one value; this lookup's right-hand side is a list (prepare_rhs = False).
    def get_db_prep_lookup(self, value: Iterable[str], connection):  # type: ignore[override]
        # A literal array (client-side binding), so the planner sees the tokens and can use
        # their statistics when it chooses a plan.
        return "%s::text[]", [list(value)]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            raise NotSupportedError("Token search needs PostgreSQL; SQLite searches with LIKE.")
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} @> {rhs_sql}", (*lhs_params, *rhs_params)


TokenArrayField.register_lookup(TokensContain)
