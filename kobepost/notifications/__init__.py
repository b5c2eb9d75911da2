"""Notifications: mail through an outbox table, and in-app notices.

What case code calls (all keyword-only, inside the transaction that changes the case):

    from kobepost.notifications.mail import CaseFacts
    from kobepost.notifications.services import (
        Audience, event_key, notice_post, notification_queue_case
    )

    facts = CaseFacts(reference="R8-000123", category="道路の損傷", ward="中央区", ...)
    notification_queue_case(
        kind=Notification.Kind.NEW_CASE,
        event_key=event_key("case", case.pk, "created"),
        audience=Audience.of_department(department),  # looked up again on resend
        case=case,
        facts=facts,
        link=case_url_path,
    )
    notice_post(
        department=department,
        code=notice_texts.CASE_NEW,  # rendered in each reader's language
        params=notice_texts.case_params(reference="R8-000123", category="道路の損傷"),
        link=case_url_path,
    )

Mail leaves only after the transaction commits; a rollback sends nothing.
"""
