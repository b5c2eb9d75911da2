"""Supervisors edit, publish and review; departments propose changes to their own entries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faq.models import FaqEntry, FaqProposal, FaqRevision, SimpleCall, UnansweredSearch
from tickets.models import Dial


@pytest.fixture
def pothole(make_entry):
    return make_entry("道路の陥没を見つけた", "場所をお聞きします。", department="kensetsu-tobu")


def entry_form(**overrides) -> dict:
    data = {
        "question": "街灯が切れている",
        "answer": "管理番号を教えてください。",
        "keywords": "防犯灯",
        "dial": Dial.objects.get(code="roads").pk,
        "category": "",
        "department": "",
        "status": "draft",
        "last_reviewed_on": "",
        "change_note": "新規作成",
    }
    data.update(overrides)
    return data


def test_supervisor_creates_and_edits_with_revisions(login_client, supervisor, kobe):
    client = login_client(supervisor)
    response = client.post("/faq/new/", entry_form(department=kobe["kensetsu-tobu"].pk))
    entry = FaqEntry.objects.get()
    assert response["Location"] == f"/faq/{entry.pk}/"
    assert entry.search_question == "街灯ガ切レテイル"  # folded as case search folds
    data = entry_form(
        department=kobe["kensetsu-tobu"].pk,
        answer="電柱の管理番号を教えてください。",
        change_note="番号の場所を追記",
    )
    client.post(f"/faq/{entry.pk}/edit/", data)
    entry.refresh_from_db()
    assert entry.answer == "電柱の管理番号を教えてください。"
    revisions = list(entry.revisions.all())
    assert [r.note for r in revisions] == ["番号の場所を追記", "新規作成"]
    assert revisions[0].changed_by == supervisor
    assert revisions[0].snapshot["answer"] == "電柱の管理番号を教えてください。"
    history = client.get(f"/faq/{entry.pk}/history/").content.decode()
    assert "<ins>電柱の</ins>" in history


def test_edit_form_errors_are_japanese_and_nothing_is_saved(login_client, supervisor, kobe):
    response = login_client(supervisor).post(
        "/faq/new/",
        entry_form(department=kobe["kensetsu-tobu"].pk, category="bulky-waste", question=""),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "このフィールドは必須です。" in page
    assert 'value="防犯灯"' in page
    assert not FaqEntry.objects.exists()


def test_category_of_another_dial_is_refused(login_client, supervisor, kobe):
    from tickets.models import Category

    category = Category.objects.get(code="bulky-waste")
    response = login_client(supervisor).post(
        "/faq/new/", entry_form(department=kobe["kensetsu-tobu"].pk, category=category.pk)
    )
    assert "選んだダイヤルの分類を選んでください。" in response.content.decode()


def test_publish_and_archive(login_client, supervisor, pothole):
    client = login_client(supervisor)
    assert client.get(f"/faq/{pothole.pk}/status/").status_code == 405
    client.post(f"/faq/{pothole.pk}/status/", {"status": "archived"})
    pothole.refresh_from_db()
    assert pothole.status == FaqEntry.Status.ARCHIVED
    assert FaqRevision.objects.filter(entry=pothole, note__contains="アーカイブ").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/faq/new/"),
        ("get", "/faq/{pk}/edit/"),
        ("post", "/faq/{pk}/status/"),
        ("post", "/faq/{pk}/reviewed/"),
        ("get", "/faq/review/"),
        ("get", "/faq/import/"),
        ("get", "/faq/export.csv"),
        ("get", "/faq/usage/"),
    ],
)
def test_operators_and_departments_cannot_manage(
    login_client, operator, staff_tobu, pothole, method, path
):
    for user in (operator, staff_tobu):
        response = getattr(login_client(user), method)(path.format(pk=pothole.pk))
        assert response.status_code == 403, (user, path)
    pothole.refresh_from_db()
    assert pothole.status == FaqEntry.Status.PUBLISHED


def test_department_staff_propose_for_their_own_department(login_client, staff_tobu, pothole):
    client = login_client(staff_tobu)
    assert "変更を提案" in client.get(f"/faq/{pothole.pk}/").content.decode()
    response = client.post(
        f"/faq/{pothole.pk}/propose/",
        {
            "proposed_question": pothole.question,
            "proposed_answer": "場所と大きさをお聞きします。",
            "note": "大きさも聞いてほしい",
        },
    )
    assert response.status_code == 302
    proposal = FaqProposal.objects.get()
    assert (proposal.entry, proposal.proposed_by, proposal.status) == (
        pothole,
        staff_tobu,
        FaqProposal.Status.PENDING,
    )
    pothole.refresh_from_db()
    assert pothole.answer == "場所をお聞きします。", "nothing changes before a supervisor agrees"


def test_unchanged_proposal_is_refused(login_client, staff_tobu, pothole):
    response = login_client(staff_tobu).post(
        f"/faq/{pothole.pk}/propose/",
        {"proposed_question": pothole.question, "proposed_answer": pothole.answer, "note": ""},
    )
    assert "どちらも変わっていません" in response.content.decode()
    assert not FaqProposal.objects.exists()


def test_other_departments_get_404_and_operators_403(login_client, staff_seibu, operator, pothole):
    data = {"proposed_question": "x", "proposed_answer": "y", "note": ""}
    assert login_client(staff_seibu).post(f"/faq/{pothole.pk}/propose/", data).status_code == 404
    assert login_client(staff_seibu).get(f"/faq/{pothole.pk}/").status_code == 404
    assert login_client(operator).post(f"/faq/{pothole.pk}/propose/", data).status_code == 403
    assert not FaqProposal.objects.exists()


@pytest.fixture
def proposal(staff_tobu, pothole):
    return FaqProposal.objects.create(
        entry=pothole,
        proposed_by=staff_tobu,
        proposed_question=pothole.question,
        proposed_answer="場所と大きさをお聞きします。",
        note="大きさも",
    )


def test_supervisor_reviews_the_diff_and_publishes(login_client, supervisor, proposal):
    client = login_client(supervisor)
    page = client.get(f"/faq/proposals/{proposal.pk}/").content.decode()
    assert "<ins>と大きさ</ins>" in page
    assert client.get(f"/faq/proposals/{proposal.pk}/decide/").status_code == 405
    client.post(f"/faq/proposals/{proposal.pk}/decide/", {"decision": "accept", "comment": "了解"})
    proposal.refresh_from_db()
    entry = proposal.entry
    entry.refresh_from_db()
    assert proposal.status == FaqProposal.Status.ACCEPTED and proposal.decided_by == supervisor
    assert entry.answer == "場所と大きさをお聞きします。"
    assert entry.status == FaqEntry.Status.PUBLISHED
    assert entry.last_reviewed_on == timezone.localdate()
    assert entry.revisions.get().changed_by == supervisor
    client.post(f"/faq/proposals/{proposal.pk}/decide/", {"decision": "reject"})
    proposal.refresh_from_db()
    assert proposal.status == FaqProposal.Status.ACCEPTED, "a decision is final"


def test_rejecting_leaves_the_entry(login_client, supervisor, proposal):
    login_client(supervisor).post(f"/faq/proposals/{proposal.pk}/decide/", {"decision": "reject"})
    proposal.entry.refresh_from_db()
    assert proposal.entry.answer == "場所をお聞きします。"
    assert FaqProposal.objects.get().status == FaqProposal.Status.REJECTED


def test_proposals_are_seen_by_their_department_only(
    login_client, staff_tobu, staff_seibu, operator, proposal
):
    assert "道路の陥没" in login_client(staff_tobu).get("/faq/proposals/").content.decode()
    assert "道路の陥没" not in login_client(staff_seibu).get("/faq/proposals/").content.decode()
    assert login_client(staff_seibu).get(f"/faq/proposals/{proposal.pk}/").status_code == 404
    assert (
        login_client(staff_tobu)
        .post(f"/faq/proposals/{proposal.pk}/decide/", {"decision": "accept"})
        .status_code
        == 403
    )
    assert login_client(operator).get("/faq/proposals/").status_code == 403


def test_review_list_uses_the_setting(login_client, supervisor, make_entry, settings):
    settings.FAQ_REVIEW_AFTER_DAYS = 30
    today = timezone.localdate()
    make_entry("古い FAQ", last_reviewed_on=today - timedelta(days=31))
    make_entry("新しい FAQ", last_reviewed_on=today - timedelta(days=5))
    make_entry("捨てた FAQ", last_reviewed_on=today - timedelta(days=400), status="archived")
    client = login_client(supervisor)
    page = client.get("/faq/review/").content.decode()
    assert "古い FAQ" in page and "新しい FAQ" not in page and "捨てた FAQ" not in page
    settings.FAQ_REVIEW_AFTER_DAYS = 180
    assert "古い FAQ" not in client.get("/faq/review/").content.decode()


def test_mark_reviewed(login_client, supervisor, make_entry):
    entry = make_entry("古い FAQ", last_reviewed_on=timezone.localdate() - timedelta(days=400))
    login_client(supervisor).post(f"/faq/{entry.pk}/reviewed/", {"next": "/faq/review/"})
    entry.refresh_from_db()
    assert entry.last_reviewed_on == timezone.localdate()


def test_usage_page_counts_per_entry_per_month(
    login_client, supervisor, operator, pothole, make_entry, django_assert_max_num_queries
):
    other = make_entry("街灯が切れている", "番号")
    now = timezone.now()
    for days_ago in (0, 0, 40):
        SimpleCall.objects.create(
            dial=pothole.dial,
            faq_entry=pothole,
            operator=operator,
            created_at=now - timedelta(days=days_ago),
        )
    SimpleCall.objects.create(dial=other.dial, faq_entry=other, operator=operator)
    SimpleCall.objects.create(dial=other.dial, topic="カラス", operator=operator)
    UnansweredSearch.objects.create(query="マンホール", normalized_query="まんほーる")
    client = login_client(supervisor)
    with django_assert_max_num_queries(8):
        response = client.get("/faq/usage/")
    rows = response.context["rows"]
    assert [(row["question"], row["total"]) for row in rows] == [
        ("道路の陥没を見つけた", 3),
        ("街灯が切れている", 1),
    ]
    assert rows[0]["counts"][-1] == 2
    page = response.content.decode()
    assert "まんほーる" in page
