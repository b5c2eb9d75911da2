"""Status mail to the citizen (opt-in) and to followers: received at a real SMTP server."""

import pytest
from django.utils import timezone

from kobepost.public.models import Post
from kobepost.public.services import (
    post_forward,
    post_mark_duplicate,
    post_publish,
    post_reject,
    post_respond,
    post_unpublish,
)
from kobepost.public.tests.fixtures import make_citizen, make_post
from kobepost.triage.tests.test_triage_forward import road  # noqa: F401 - fixture
from tickets.models import Case
from tickets.services import case_change_status, case_reply

pytestmark = pytest.mark.services


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def to(inbox: list, address: str) -> list:
    return [message for message in inbox if message["To"] == address]


@pytest.fixture
def poster(db):
    return make_citizen(notify_status=True, email_confirmed_at=timezone.now())


def test_opted_in_poster_hears_of_receipt_forwarding_and_the_end(
    mailed,
    poster,
    supervisor,
    staff_tobu,
    road,  # noqa: F811
):
    with mailed() as inbox:
        post = make_post(poster)
    [received] = inbox
    assert received["To"] == poster.email
    assert f"投稿 {post.pk}" in received["Subject"]
    assert "受け付けました" in body(received)
    assert f"/public/posts/{post.pk}/" in body(received)

    with mailed() as inbox:
        case = post_forward(
            post=post, user=supervisor, category=road, department=road.department, title="穴"
        )
    [forwarded] = to(inbox, poster.email)
    assert "担当部署へ送りました" in body(forwarded)
    due = case.reply_due_date
    assert f"回答の予定日: {due.year}年{due.month}月{due.day}日" in body(forwarded)
    assert case.reference not in body(forwarded), "no staff data in the citizen's mail"

    case = case_reply(case=case, user=staff_tobu, reply_text="内部の回答メモ")
    case = case_change_status(case=case, user=supervisor, status=Case.Status.CITIZEN_ANSWERED)
    with mailed() as inbox:
        case_change_status(case=case, user=supervisor, status=Case.Status.CLOSED)
    [finished] = to(inbox, poster.email)
    assert "対応が完了しました" in body(finished)
    assert "内部の回答メモ" not in body(finished)


def test_rejection_and_duplicate_mails_say_why(mailed, poster, supervisor):
    post = make_post(poster)
    with mailed() as inbox:
        post_reject(post=post, user=supervisor, rejection=Post.Rejection.OTHER_BODY, note="県道")
    assert "対象外" in body(inbox[0]) and "県道" in body(inbox[0])
    original = make_post(poster, published=True)
    again = make_post(poster)
    with mailed() as inbox:
        post_mark_duplicate(post=again, user=supervisor, original=original)
    assert f"投稿 {original.pk}" in body(inbox[0])


def test_no_mail_without_opt_in_or_to_an_unconfirmed_address(mailed, supervisor):
    quiet = make_citizen("quiet_one", email_confirmed_at=timezone.now())
    unconfirmed = make_citizen("unconfirmed", notify_status=True)
    with mailed() as inbox:
        for citizen in (quiet, unconfirmed):
            post = make_post(citizen)
            post_reject(post=post, user=supervisor, rejection=Post.Rejection.SPAM)
    assert inbox == []


def test_a_follower_gets_the_public_answer(mailed, citizen_client, supervisor):
    post = make_post(make_citizen("poster"), published=True)
    follower = make_citizen("follower", email_confirmed_at=timezone.now())
    client = citizen_client(follower)
    page = client.get(f"/public/posts/{post.pk}/").content.decode()
    assert "この投稿をフォローする" in page
    followed = client.post(f"/public/posts/{post.pk}/follow/", {"follow": "1"}, follow=True)
    assert "フォローしました" in followed.content.decode()
    with mailed() as inbox:
        post_respond(
            post=post,
            user=supervisor,
            public_text=post.public_text,
            public_reply="来週補修します。",
            status=Post.Status.IN_PROGRESS,
        )
    [answer] = inbox
    assert answer["To"] == follower.email
    assert "来週補修します。" in body(answer)
    assert "poster@example.jp" not in str(answer["To"])

    client.post(f"/public/posts/{post.pk}/follow/", {"follow": "0"})
    with mailed() as inbox:
        post_respond(
            post=post,
            user=supervisor,
            public_text=post.public_text,
            public_reply="補修しました。",
            status=Post.Status.DONE,
        )
    assert inbox == []


def test_an_unpublished_post_cannot_be_followed_by_others(db, citizen_client):
    post = make_post(make_citizen("poster"))
    other = citizen_client(make_citizen("other"))
    assert other.post(f"/public/posts/{post.pk}/follow/", {"follow": "1"}).status_code == 404


def test_the_poster_hears_when_the_post_is_first_published(mailed, poster, supervisor):
    post = make_post(poster)
    with mailed() as inbox:
        post_publish(post=post, user=supervisor)
    [published] = to(inbox, poster.email)
    assert "公開しました" in body(published)
    assert "氏名や連絡先は公開しません" in body(published)
    assert f"/public/posts/{post.pk}/" in body(published)

    # Taken down and published again: not news to the poster.
    post_unpublish(post=post, user=supervisor)
    with mailed() as inbox:
        post_publish(post=post, user=supervisor)
    assert to(inbox, poster.email) == []
