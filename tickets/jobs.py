"""Background jobs of the conversation: sending replies and notification emails.

Enqueued inside the transaction that made the work: the database backend stores
the job in the same transaction, so a job exists exactly when its reply or
notification does (a rolled-back request leaves neither).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task


@task()
def send_reply(comment_id: int) -> str:
    """Send one reply; a temporary failure enqueues the next try itself."""
    from tickets import outbound

    return outbound.send_reply(comment_id).state


@task()
def send_notification_email(notification_id: int) -> str:
    from tickets import notify

    return notify.send_email(notification_id)


def enqueue_reply(comment_id: int, *, delay: int = 0) -> None:
    job = send_reply
    if delay > 0:
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
    job.enqueue(comment_id)


def enqueue_notification_email(notification_id: int) -> None:
    send_notification_email.enqueue(notification_id)
