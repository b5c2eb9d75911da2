"""The monthly report printed on A4 for the council: landscape, few pages, month headers
on one line, the table headers repeated on every page."""

import re

import pytest

from kobepost.stats.tests.stats_data import build_known_set

pytestmark = pytest.mark.browser

# Ten tables of the hand-counted set; printed before this layout, a report ran to about
# seven portrait pages with month headers wrapped onto three lines.
MAX_PAGES = 3

WRAPPED_MONTH_HEADERS = """() => [...document.querySelectorAll('.stats-table--months thead th')]
  .filter(th => { const r = document.createRange(); r.selectNodeContents(th);
                  const lines = new Set([...r.getClientRects()].map(rect => Math.round(rect.top)));
                  return lines.size > 1; })
  .map(th => th.textContent)"""


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_monthly_report_prints_on_few_a4_landscape_pages(page, live_server, login, supervisor):
    build_known_set(supervisor)
    login(page, supervisor)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/stats/monthly/?fy=令和8")
    page.emulate_media(media="print")
    assert page.evaluate(WRAPPED_MONTH_HEADERS) == []
    assert page.locator(".stats-filter").is_hidden()
    assert page.locator(".site-header").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    pages = pdf_pages(pdf)
    assert 1 <= pages <= MAX_PAGES, pages
    # Landscape A4: 842 × 595 points.
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    width, height = float(box.group(1)), float(box.group(2))
    assert (round(width), round(height)) == (842, 595)


OVERLAPPING_X_LABELS = """() => {
  const svg = document.getElementById('chart-series-title').closest('svg');
  const boxes = [...svg.querySelectorAll('text.stats-axis[text-anchor=middle]')]
    .map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left);
  const overlaps = [];
  for (let i = 1; i < boxes.length; i++) {
    if (boxes[i].left < boxes[i - 1].right) overlaps.push(i);
  }
  return {count: boxes.length, overlaps};
}"""


def test_chart_x_labels_never_overlap_at_1366_px_and_in_print(page, live_server, login, supervisor):
    build_known_set(supervisor)
    login(page, supervisor)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/stats/?preset=custom&date_from=2026-04-01&date_to=2027-03-31")
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        found = page.evaluate(OVERLAPPING_X_LABELS)
        assert found["count"] >= 6, (media, found)
        assert found["overlaps"] == [], media
    first = page.locator("svg text.stats-axis[text-anchor=middle]").first.text_content()
    assert first == "令和8年4月"  # as in the tables
