import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs on-commit work (outbox → eager Celery → mail) at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
