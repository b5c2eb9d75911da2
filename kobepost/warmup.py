"""What a new worker process does once before its first request (issue 19: cold start).

A process fresh from a deploy, a reload or gunicorn's max_requests recycling answered its first
request of a page in 0.5–1.7 s instead of 20 ms: the URL configuration imported every view
module then, each template was read and compiled the first time it was shown, the
translation catalogs were loaded on the first translated string, and the database and cache
connections were opened. deploy/gunicorn.conf.py calls ``warm_up`` in each worker after it
has loaded the application and before it accepts a request, so that cost is paid while the
old workers still serve (``systemctl reload`` starts the new ones first).

Each step is best effort: a database or Redis that is down at that moment must not keep the
worker from starting (the request path copes with both); the step is logged and skipped.
"""

import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt", ".xml", ".svg")


def _walk_patterns(patterns) -> None:
    """Compile each route's regular expression (compiled lazily, on the first match tried)
    and fill each included resolver's reverse table (filled on its first ``reverse``)."""
    from django.urls import URLResolver

    for pattern in patterns:
        pattern.pattern.regex  # noqa: B018 -- the property compiles and keeps it
        if isinstance(pattern, URLResolver):
            pattern._populate()
            _walk_patterns(pattern.url_patterns)


def _urls() -> None:
    from django.urls import get_resolver, resolve, reverse
    from django.utils import translation

    # Populating the resolver imports every urls module and so every view module.
    resolver = get_resolver()
    resolver._populate()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _walk_patterns(resolver.url_patterns)
    reverse("callcenter:case_list")
    resolve("/callcenter/cases/")


def _project_template_names() -> list[str]:
    """The names of the project's own templates (not the admin's or other packages')."""
    from django.template import engines
    from django.template.backends.django import DjangoTemplates

    root = Path(settings.BASE_DIR).resolve()
    names: set[str] = set()
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for loader in engine.engine.template_loaders:
            for directory in loader.get_dirs():  # type: ignore[attr-defined]  # filesystem and app loaders
                base = Path(directory).resolve()
                if not base.is_relative_to(root) or ".venv" in base.parts:
                    continue
                for path in base.rglob("*"):
                    if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                        names.add(path.relative_to(base).as_posix())
    return sorted(names)


def _templates() -> None:
    """Compile every project template: the cached loader keeps them for the process."""
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines

    for name in _project_template_names():
        for engine in engines.all():
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue  # a fragment that another template includes, or another engine's
            break


def _translations() -> None:
    """The catalogs and the format modules (kobepost.formats) of each language."""
    from django.utils import formats, translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("案件一覧")
            formats.get_format("DATE_FORMAT")
            formats.number_format(12345, force_grouping=True)


def _request_machinery() -> None:
    """What the middleware imports on a first request: the session engine, the messages'
    storage, the authentication backends."""
    from importlib import import_module

    from django.contrib.auth import get_backends
    from django.utils.module_loading import import_string

    import_module(settings.SESSION_ENGINE)
    import_string(settings.MESSAGE_STORAGE)
    get_backends()


def _forms() -> None:
    from django.forms.renderers import get_default_renderer

    from callcenter.forms import CaseSearchForm

    get_default_renderer()
    str(CaseSearchForm())  # widgets, the renderer's own templates, the routing choices


def _database() -> None:
    from django.db import connection

    from tickets.models import Case

    connection.ensure_connection()
    # The first query also loads psycopg's type adapters (arrays, JSON, time zones).
    Case.objects.only("pk", "received_at", "search_tokens").order_by("-pk").first()


def _cache() -> None:
    from tickets.routing import routing_table

    routing_table()  # opens the cache connection; fills the shared table if it was empty


STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("urls", _urls),
    ("database", _database),
    ("cache", _cache),
    ("translations", _translations),
    ("request machinery", _request_machinery),
    ("templates", _templates),
    ("forms", _forms),
)


def warm_up() -> dict[str, float]:
    """Run every step; return the milliseconds each took (a failed step is logged)."""
    timings: dict[str, float] = {}
    for name, step in STEPS:
        began = time.perf_counter()
        try:
            step()
        except Exception:  # a warm-up step must never stop a worker
            logger.warning("warm-up step %s failed; the first request will do it", name)
        timings[name] = (time.perf_counter() - began) * 1000
    logger.info(
        "worker warmed up in %.0f ms (%s)",
        sum(timings.values()),
        ", ".join(f"{name} {ms:.0f}" for name, ms in timings.items()),
    )
    return timings
