"""The logs keep no query string and no personal data, and none outlives the shortest
retention class: the configuration in deploy/ and the application's logging, read as written.

The end-to-end proof (a browser flow behind the real nginx, then every log read) is
tests/browser/test_logs_behind_nginx.py.
"""

import ast
import copy
import datetime
import fnmatch
import io
import json
import logging
import logging.config
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

from kobepost.lib.log_privacy import without_query_strings
from kobepost.privacy.models import RetentionClass

DEPLOY = Path(settings.BASE_DIR) / "deploy"
NGINX_CONF = DEPLOY / "nginx" / "kobepost.conf"
LOGROTATE = DEPLOY / "logrotate" / "kobepost"
JOURNALD = DEPLOY / "journald" / "kobepost.conf"
README = DEPLOY / "README.md"

# nginx variables that hold a query string, or a whole URL that may have one.
NGINX_URL_VARIABLES = re.compile(
    r"\$(request|request_uri|args|query_string|is_args|http_referer|request_body)\b|\$arg_"
)
PERSONAL_QUERY = "q=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E&phone=0783318181"


def nginx_directives(text: str) -> list[tuple[str, str, int]]:
    """(name, arguments, brace depth) of every directive, comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    found, depth, start = [], 0, 0
    # Quoted strings are skipped: the JSON log format holds braces.
    for match in re.finditer(r"'[^']*'|\"[^\"]*\"|[;{}]", text):
        if match.group()[0] in "'\"":
            continue
        statement = " ".join(text[start : match.start()].split())
        if match.group() == "}":
            depth -= 1
        elif statement:
            name, _sep, arguments = statement.partition(" ")
            found.append((name, arguments, depth))
            if match.group() == "{":
                depth += 1
        start = match.end()
    return found


def test_nginx_logs_the_path_and_never_a_query_string():
    directives = nginx_directives(NGINX_CONF.read_text())
    formats = [arguments for name, arguments, _depth in directives if name == "log_format"]
    assert formats, "no log_format in kobepost.conf"
    for log_format in formats:
        assert not NGINX_URL_VARIABLES.search(log_format), log_format
        assert "$uri" in log_format and "$kobepost_referer_path" in log_format
    # Every access log uses that format (or is off): nginx's default "combined" writes $request.
    access_logs = [arguments for name, arguments, _depth in directives if name == "access_log"]
    assert access_logs
    assert all(a == "off" or a.endswith(" kobepost") for a in access_logs), access_logs
    # And every server names one, so Debian's http-level access_log never applies.
    servers, current = [], None
    for name, arguments, depth in directives:
        if name == "server" and depth == 0:
            current = []
            servers.append(current)
        elif current is not None and depth == 1 and name == "access_log":
            current.append(arguments)
    assert len(servers) == 5 and all(servers), servers


def test_nginx_referer_is_logged_without_its_query():
    directives = nginx_directives(NGINX_CONF.read_text())
    maps = [arguments for name, arguments, _depth in directives if name == "map"]
    assert "$http_referer $kobepost_referer_path" in maps
    # The map's one rule: everything before the first "?" (nginx's PCRE reads it as re does).
    [(pattern, value)] = [(n, a) for n, a, d in directives if d == 1 and n.startswith('"~')]
    assert value == "$1"
    referer = f"https://kobepost.example.lg.jp/callcenter/cases/?{PERSONAL_QUERY}"
    kept = re.match(pattern.strip('"~'), referer).group(1)
    assert kept == "https://kobepost.example.lg.jp/callcenter/cases/"


def test_every_nginx_log_file_is_rotated():
    stanzas = logrotate_stanzas()
    directives = nginx_directives(NGINX_CONF.read_text())
    files = [
        arguments.split()[0]
        for name, arguments, _depth in directives
        if name in ("access_log", "error_log") and arguments != "off"
    ]
    assert len(files) == 7
    for path in files:
        assert any(fnmatch.fnmatch(path, glob) for glob in stanzas), path


def gunicorn_settings() -> dict:
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_logs_the_path_without_query_or_referer(tmp_path):
    module = gunicorn_settings()
    config = Config()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    config.set("accesslog", str(access))
    config.set("errorlog", str(errors))
    config.set("logger_class", module["logger_class"])
    logger = config.logger_class(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/callcenter/cases/?{PERSONAL_QUERY}",
        "PATH_INFO": "/callcenter/cases/",
        "QUERY_STRING": PERSONAL_QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://kobepost.example.lg.jp/callcenter/cases/?{PERSONAL_QUERY}",
        "HTTP_X_FORWARDED_FOR": "10.1.2.3",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "10.1.2.3")])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    # gunicorn's own error line names the whole URI (workers/base.py handle_error).
    logger.error("Error handling request %s", environ["RAW_URI"])
    for handler in (*logger.access_log.handlers, *logger.error_log.handlers):
        handler.flush()
    line = access.read_text()
    record = json.loads(line)
    assert record["client"] == "10.1.2.3" and record["method"] == "GET"
    assert record["path"] == "/callcenter/cases/"
    assert (record["status"], record["bytes"], record["duration_ms"]) == (200, 512, 12.0)
    assert "0783318181" not in line and "%E5%B1%B1" not in line and "?" not in line
    error = errors.read_text()
    assert "Error handling request /callcenter/cases/?[query removed]" in error
    assert "0783318181" not in error


def test_application_log_lines_lose_their_query_strings():
    """Django's own handler, as settings.LOGGING defines it, on a logger of this test."""
    assert settings.LOGGING["root"]["handlers"] == ["console"]
    for handler in settings.LOGGING["handlers"].values():
        assert "no_query_strings" in handler["filters"]
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config.pop("root")
    config["loggers"] = {"kobepost.test_log_privacy": {"handlers": ["console"], "level": "INFO"}}
    logging.config.dictConfig(config)
    logger = logging.getLogger("kobepost.test_log_privacy")
    logger.propagate = False
    try:
        logger.warning("refused: path=%s", f"/callcenter/cases/?{PERSONAL_QUERY}")
        try:
            raise ValueError(f"bad redirect https://x.example/faq/?{PERSONAL_QUERY}")
        except ValueError:
            logger.exception("failed")
    finally:
        for handler in logger.handlers:
            logger.removeHandler(handler)
    written = stream.getvalue()
    assert "refused: path=/callcenter/cases/?[query removed]" in written
    assert "bad redirect https://x.example/faq/?[query removed]" in written
    assert "0783318181" not in written and "%E5%B1%B1" not in written


@given(
    prefix=st.text(alphabet="abc ー:=", max_size=10),
    path=st.text(alphabet="abcxyz0123456789-_./%", max_size=30),
    query=st.text(
        alphabet=st.characters(exclude_characters=" \t\n\r\"'<>", exclude_categories=["Z", "C"]),
        min_size=1,
        max_size=40,
    ),
    suffix=st.text(alphabet="abc =0123456789", max_size=10),
)
def test_a_query_string_never_survives_in_a_log_line(prefix, path, query, suffix):
    line = f"{prefix} /{path}?{query}" + (f" {suffix}" if suffix else "")
    expected = f"{prefix} /{path}?[query removed]" + (f" {suffix}" if suffix else "")
    assert without_query_strings(line) == expected


# Objects whose attributes name what a person sent or typed.
REQUEST_DATA = {"GET", "POST", "body", "COOKIES", "META", "get_full_path", "build_absolute_uri"}
PERSONAL_FIELDS = {
    "cleaned_data",
    "caller_name",
    "caller_kana",
    "caller_phone",
    "caller_phone_digits",
    "email",
    "phone",
    "address",
    "details",
    "title",
    "note",
    "text",
}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def project_sources() -> list[Path]:
    root = Path(settings.BASE_DIR)
    skipped = {".venv", "tests", "migrations", "bench", "node_modules"}
    return [
        path
        for path in root.rglob("*.py")
        if not skipped.intersection(path.relative_to(root).parts[:-1])
    ]


def test_no_logger_call_writes_request_data_or_personal_fields():
    offenders = []
    for path in project_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and isinstance(node.func.value, ast.Name)
                and re.search(r"(^|_)log(ger)?$", node.func.value.id)
            ):
                continue
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                for part in ast.walk(argument):
                    if isinstance(part, ast.Attribute) and part.attr in (
                        REQUEST_DATA | PERSONAL_FIELDS
                    ):
                        offenders.append(f"{path}:{node.lineno} {ast.unparse(node)}")
    assert project_sources(), "no sources found"
    assert not offenders, "\n".join(offenders)


# --- rotation ages ---------------------------------------------------------------------
PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "yearly": 366}


def logrotate_stanzas() -> dict[str, list[str]]:
    """glob → directive lines of deploy/logrotate/kobepost."""
    text = re.sub(r"#[^\n]*", "", LOGROTATE.read_text())
    stanzas = {}
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", text):
        body = re.sub(r"postrotate.*?endscript", "", match.group(2), flags=re.DOTALL)
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        for glob in match.group(1).split():
            stanzas[glob] = lines
    return stanzas


def logrotate_longest_age_days(lines: list[str]) -> int:
    """The oldest line a stanza lets exist: the rotated copies, the file being written,
    and a day for a late run of the logrotate timer."""
    words = dict([*line.split(), ""][:2] for line in lines)
    [period] = [PERIOD_DAYS[word] for word in words if word in PERIOD_DAYS]
    assert "notifempty" not in words, "maxage is only checked when a file is rotated"
    kept = int(words["rotate"]) * period
    if "maxage" in words:
        kept = min(kept, int(words["maxage"]))
    return kept + period + 1


SYSTEMD_UNIT_DAYS = {
    ("s", "sec", "second", "seconds"): 1 / 86400,
    ("min", "minute", "minutes"): 1 / 1440,
    ("h", "hr", "hour", "hours"): 1 / 24,
    ("d", "day", "days"): 1,
    ("w", "week", "weeks"): 7,
    ("M", "month", "months"): 30.44,
    ("y", "year", "years"): 365.25,
}


def systemd_days(value: str) -> float:
    """A systemd time span (systemd.time(7)) such as "88day" or "1month", in days."""
    match = re.fullmatch(r"(\d+)\s*([A-Za-z]+)", value.strip())
    assert match, f"unexpected systemd time span {value!r}"
    [days] = [days for names, days in SYSTEMD_UNIT_DAYS.items() if match.group(2) in names]
    return int(match.group(1)) * days


def journald_longest_age_days() -> float:
    """journald drops a whole file once its newest entry is past MaxRetentionSec: a file's
    span (MaxFileSec) and a day until it next vacuums come on top."""
    text = JOURNALD.read_text()
    values = dict(re.findall(r"^(\w+)=(\S+)", text, flags=re.MULTILINE))
    return systemd_days(values["MaxRetentionSec"]) + systemd_days(values["MaxFileSec"]) + 1


def stated_ages() -> dict[str, tuple[str, int]]:
    """README「ログの保存期間」: where → (rotated by, days)."""
    section = README.read_text().split("## ログの保存期間", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3].isdigit():
            rows[cells[1].strip("`")] = (cells[2].strip("`"), int(cells[3]))
    return rows


def shortest_retention_days() -> int:
    """What a record of the shortest class may be kept: closed on March 31 and disposed at
    the end of the fiscal year ``years`` later (kobepost/privacy/retention.py), 365 days a year."""
    call_command("seed_demo", stdout=io.StringIO())
    years = [RetentionClass.MIN_YEARS, *RetentionClass.objects.values_list("years", flat=True)]
    return 365 * min(years)


def test_no_retention_class_is_shorter_than_a_year(db):
    with pytest.raises(ValidationError):
        RetentionClass(name="1年未満", years=0).full_clean()
    RetentionClass(name="1年保存", years=1).full_clean()


def test_log_files_are_kept_no_longer_than_stated_nor_than_the_shortest_class(db):
    stated = stated_ages()
    stanzas = logrotate_stanzas()
    assert set(stanzas) == {where for where, (by, _days) in stated.items() if "logrotate" in by}
    for glob, lines in stanzas.items():
        by, days = stated[glob]
        assert by == "logrotate/kobepost"
        assert logrotate_longest_age_days(lines) <= days, glob
    [(journal_by, journal_days)] = [entry for entry in stated.values() if "journald" in entry[0]]
    assert journal_by == "journald/kobepost.conf"
    assert journald_longest_age_days() <= journal_days
    # Where the units write: the journal (stdout/stderr), so its rule is the one above.
    assert gunicorn_settings()["errorlog"] == "-"
    shortest = shortest_retention_days()
    assert all(days <= shortest for _by, days in stated.values()), (stated, shortest)
