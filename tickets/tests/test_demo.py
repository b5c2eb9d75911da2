from django.core.management import call_command

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
