"""The two POSTs that send a mail outside the city: preview, then confirm what was shown."""

import re
from html import unescape

from django.test import Client

from tickets.models import Case
from tickets.tests.factories import make_case

CONFIRMATION = re.compile(r'name="confirmation" value="([^"]+)"')
PREVIEW_BODY = re.compile(r'<pre class="mail-preview__body">(.*?)</pre>', re.S)


def preview(client: Client, url: str, data: dict) -> tuple[str, str]:
    """POST the case page's form; returns (page HTML, the mail body exactly as shown)."""
    response = client.post(url, data)
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    body = PREVIEW_BODY.search(page)
    assert body is not None, "no preview on the page"
    return page, unescape(re.sub(r"</?mark[^>]*>", "", body.group(1)))


def confirmation_of(page: str) -> str:
    found = CONFIRMATION.search(page)
    assert found is not None, "no confirmation field on the page"
    return unescape(found.group(1))


def preview_and_send(client: Client, url: str, data: dict):
    """Both steps as a user does them; returns (the confirm response, the body shown)."""
    page, shown = preview(client, url, data)
    response = client.post(url, {**data, "step": "confirm", "confirmation": confirmation_of(page)})
    return response, shown


def make_leaky_road_case(created_by) -> Case:
    """A road case whose every free text names the caller and spells the caller's number."""
    return make_case(
        created_by,
        title="山田太郎さん宅前 078-123-4567 道路に穴",
        details="太郎さんの話では、０７８－１２３－４５６７ に折り返し希望。山田様方の前。",
        caller_name="山田 太郎",
        caller_kana="ヤマダ タロウ",
        caller_phone="078 123 4567",
        address="東灘区本山北町3丁目 山田様方前",
        latitude=34.72,
        longitude=135.26,
        ward="28101",
    )
