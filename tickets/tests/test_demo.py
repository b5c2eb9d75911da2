from django.core.management import call_command

from kobepost.accounts.models import User
from kobepost.privacy.models import DisposalBatch, DisposalItem, RetentionClass
from kobepost.privacy.retention import disposal_batch_approve
from kobepost.public.models import PostCategory
from tickets.models import Case, CaseEvent


def test_demo_cases_are_believable_and_idempotent(db):
    call_command("seed_demo")
    count = Case.objects.count()
    call_command("seed_demo")
    assert Case.objects.count() == count >= 30
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert Case.objects.values("ward").distinct().count() >= 8
    assert Case.objects.values("dial").distinct().count() == 3
    assert Case.objects.awaiting_callback().exists()
    assert Case.objects.filter(caller_phone_digits="0783318181").count() == 2
    for case in Case.objects.all():
        events = list(case.events.all())
        assert events[0].kind == "created"
        assert events[-1].to_status in ("", case.status)
        # The milestones moved with the spread-out timeline.
        for status, column in Case.MILESTONES.items():
            firsts = [e.at for e in events if e.to_status == status]
            assert getattr(case, column) == (min(firsts) if firsts else None), column
    assert Case.objects.exclude(first_closed_at=None).exists()
    assert CaseEvent.objects.filter(to_status=Case.Status.CITIZEN_ANSWERED).exists()


def test_demo_lists_records_past_their_period_for_disposal(db, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    assert RetentionClass.objects.count() >= 3
    assert not PostCategory.objects.filter(retention_class=None).exists()
    batch = DisposalBatch.objects.get(status=DisposalBatch.Status.PENDING)
    kinds = set(batch.items.values_list("kind", flat=True))
    assert kinds == set(DisposalItem.Kind.values)
    assert not batch.items.filter(retention_class="").exists()

    with django_capture_on_commit_callbacks(execute=True):
        batch = disposal_batch_approve(batch=batch, user=User.objects.get(username="admin"))
    assert batch.skipped_count == 0 and batch.file_count >= 1
    call_command("seed_demo")  # the disposed records are not made again
    assert not DisposalBatch.objects.filter(status=DisposalBatch.Status.PENDING).exists()
