"""The application's PostgreSQL sessions are set up for short queries (kobepost/settings.py)."""

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_the_application_never_jit_compiles_a_query():
    if not settings.USING_POSTGRESQL:
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
