"""Log lines never keep a query string.

Searches and look-ups with personal data are posted (kobepost/lib/private_search.py), and the
access logs write paths only (deploy/nginx/kobepost.conf, deploy/gunicorn.conf.py). This is
the last line behind them: a message that names a URL (gunicorn's "Error handling request
/x/?phone=…", an exception's text, a future logger call) loses everything after the "?"
before any handler writes it. The logs are kept for the days stated in deploy/README.md.
"""

import logging
import re

# A path (or a whole URL) followed by its query string, up to the next space or quote.
QUERY_STRING = re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]*")
REMOVED = r"\1?[query removed]"


def without_query_strings(text: str) -> str:
    return QUERY_STRING.sub(REMOVED, text)


class DropQueryStrings(logging.Filter):
    """On a handler: rewrites each record's message (and its traceback) without queries."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = without_query_strings(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_query_strings(record.exc_text)
        return True


def drop_query_strings_from(logger: logging.Logger) -> None:
    """Adds the filter to every handler of ``logger`` (gunicorn's own loggers)."""
    for handler in logger.handlers:
        if not any(isinstance(f, DropQueryStrings) for f in handler.filters):
            handler.addFilter(DropQueryStrings())
