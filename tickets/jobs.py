"""Background jobs of the conversation: sending replies and notification emails.

Enqueued when the transaction that made the work commits, so a job never runs
for a row that was rolled back.
"""

from __future__ import annotations

from django.db import transaction


def enqueue_reply(comment_id: int) -> None:
    from tickets.outbound import send_reply

    transaction.on_commit(lambda: send_reply(comment_id))


def enqueue_notification_email(notification_id: int) -> None:
    from tickets.notify import send_email

    transaction.on_commit(lambda: send_email(notification_id))
