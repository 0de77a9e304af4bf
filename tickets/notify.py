"""Creating notifications and sending their emails (from background jobs)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from tickets import jobs
from tickets.models import BulkChange, Ticket, TicketComment
from tickets.notifications import Notification, NotificationSettings

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EmailState = Notification.EmailState


def team() -> QuerySet[User]:
    """Who hears about an unassigned ticket: everyone who may work tickets."""
    from tickets.forms import assignable_users

    return assignable_users()


def users(
    recipients: Iterable[User | None],
    *,
    kind: str,
    ticket: Ticket | None = None,
    comment: TicketComment | None = None,
    actor: User | None = None,
    bulk_change: BulkChange | None = None,
) -> list[Notification]:
    """One notification per recipient; an email job for those who want email.

    About one ``ticket``, or about a ``bulk_change`` (one for all its tickets)."""
    people = list({r.pk: r for r in recipients if r is not None}.values())
    silenced = set(
        NotificationSettings.objects.filter(
            user__in=people, email_enabled=False
        ).values_list("user_id", flat=True)
    )
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                ticket=ticket,
                comment=comment,
                actor=actor,
                bulk_change=bulk_change,
                email_state=(
                    EmailState.NONE
                    if user.pk in silenced or not user.email
                    else EmailState.QUEUED
                ),
            )
            for user in people
        ]
    )
    for notification in created:
        if notification.email_state == EmailState.QUEUED and notification.pk:
            jobs.enqueue_notification_email(notification.pk)
    return created


def send_email(notification_id: int) -> str:
    """Send one notification's email once; returns the state it ends in."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "ticket", "actor", "bulk_change")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email_state != EmailState.QUEUED:
            return notification.email_state if notification else "missing"
        notification.email_state = EmailState.SENDING
        notification.save(update_fields=["email_state"])
    try:
        _message(notification).send()
    except (smtplib.SMTPException, OSError):
        state = EmailState.FAILED
    else:
        state = EmailState.SENT
    Notification.objects.filter(pk=notification_id).update(email_state=state)
    return state


def _message(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "url": settings.SITE_URL + notification.get_absolute_url(),
        "settings_url": settings.SITE_URL + "/tickets/notifications/",
    }
    message = EmailMultiAlternatives(
        subject=f"[Customer Flow] {notification.text}",
        body=render_to_string("tickets/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string("tickets/email/notification.html", context), "text/html"
    )
    return message
