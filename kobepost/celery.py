"""The Celery application that carries notification mail and scheduled jobs."""

import logging.config
import os
from contextvars import Token

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from kobepost.lib.logs import (
    bind_request_id,
    bind_task_id,
    current_request_id,
    reset_request_id,
    reset_task_id,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")

app = Celery("kobepost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_the_web_application(**kwargs) -> None:
    """The worker and beat write the same JSON lines as the web application
    (kobepost/lib/logs.py), not Celery's own format: with a receiver on this signal Celery leaves
    logging alone, and Django's LOGGING applies."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@before_task_publish.connect
def _carry_the_request_id(headers: dict | None = None, **kwargs) -> None:
    """A task queued by a request logs with that request's id."""
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


_bound: dict[str | None, tuple[Token, Token]] = {}


@task_prerun.connect
def _bind_task_context(task_id: str | None = None, task=None, **kwargs) -> None:
    # In-process (eager) tasks run inside the request and keep its id.
    request_id = getattr(task.request, "request_id", None) or current_request_id()
    _bound[task_id] = (bind_request_id(request_id), bind_task_id(task_id))


@task_postrun.connect
def _unbind_task_context(task_id: str | None = None, **kwargs) -> None:
    tokens = _bound.pop(task_id, None)
    if tokens is not None:
        request_token, task_token = tokens
        reset_task_id(task_token)
        reset_request_id(request_token)
