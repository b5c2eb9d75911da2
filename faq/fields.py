from django.db import models

from kobepost.lib.fields import TokensContain


class ShortTokensField(models.TextField):
    """Space-separated short tokens in Python; a real ``text[]`` on PostgreSQL.

    A native array lets a GIN index and the planner's element statistics serve the
    one- and two-character words directly; SQLite (development) keeps plain text.
    """

    def get_internal_type(self) -> str:
        # Not "TextField": PostgreSQL's bulk insert would otherwise UNNEST it as text[][].
        return "ShortTokensField"

    def db_type(self, connection) -> str:
        return "text[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql" and isinstance(value, str):
            return value.split()
        return value

    def from_db_value(self, value, expression, connection):
        if isinstance(value, list):
            return " ".join(value)
        return value


ShortTokensField.register_lookup(TokensContain)
