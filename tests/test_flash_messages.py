"""A message shown after a POST reaches the page it was meant for.

The page before a POST may still be fetching its images and map tiles when the POST's
redirect is followed; a missing one answered with the 404 page used to take the message
(base.html showed and so consumed it), and the page after the POST showed none (seen as
a flaky browser test: the post was published, 「…を公開しました。」 never appeared).
"""

import pytest

from kobepost.notifications.services import notice_post

MESSAGE = "お知らせを既読にしました。"


@pytest.mark.parametrize("missing", ["/tiles/gsi/std/13/7172/3252.png", "/no-such-page/"])
def test_a_not_found_fetched_in_between_leaves_the_message_for_the_page(
    staff_tobu, kobe, login_client, missing
):
    client = login_client(staff_tobu)
    notice = notice_post(department=kobe["kensetsu-tobu"], title="案件 1")
    response = client.post("/notifications/read/", {"up_to": notice.pk})
    assert response.status_code == 302

    not_found = client.get(missing)
    assert not_found.status_code == 404
    assert MESSAGE not in not_found.content.decode()

    page = client.get(response["Location"]).content.decode()
    assert MESSAGE in page
    assert MESSAGE not in client.get(response["Location"]).content.decode()  # shown once
