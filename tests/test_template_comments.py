"""Django's {# … #} comment ends on its own line: one left open is printed on the page.

A three-line {# … #} in templates/base.html once showed its text at the foot of every
page (and pushed the printed monthly report onto a fourth A4 page).
"""

from pathlib import Path

from django.conf import settings

ROOTS = ("templates", "kobepost", "tickets", "callcenter", "departments", "faq")


def templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [path for root in ROOTS for path in (base / root).rglob("*.html")]


def test_every_one_line_comment_closes_on_its_line():
    open_comments = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert len(templates()) > 50
    assert open_comments == []


def test_a_staff_page_shows_no_template_comment(login_client, operator):
    page = login_client(operator).get("/callcenter/").content.decode()
    assert "{#" not in page and "#}" not in page
