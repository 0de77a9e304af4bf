"""The notifications page behind the bell, and the email preference."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from tickets.conversation_forms import NotificationSettingsForm
from tickets.notifications import Notification, NotificationSettings

PER_PAGE = 50


@permission_required("tickets.view_ticket", raise_exception=True)
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The newest notifications; those shown are marked read once shown."""
    notifications = Notification.objects.for_user(request.user).select_related(
        "actor", "ticket", "bulk_change"
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    unread_ids = [n.pk for n in shown if n.read_at is None]
    if unread_ids:
        Notification.objects.filter(pk__in=unread_ids).update(read_at=timezone.now())
    settings_row = NotificationSettings.objects.filter(user=request.user).first()
    context = {
        "page": page,
        "notifications": shown,
        "unread_ids": set(unread_ids),
        # The header's count is read after this page marked its rows read.
        "unread_notifications": Notification.objects.for_user(request.user)
        .unread()
        .count(),
        "settings_form": NotificationSettingsForm(instance=settings_row),
    }
    return render(request, "tickets/notification_list.html", context)


@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    row, _ = NotificationSettings.objects.get_or_create(user=request.user)
    form = NotificationSettingsForm(request.POST, instance=row)
    form.save()
    if row.email_enabled:
        messages.success(request, "You will get your notifications by email too.")
    else:
        messages.success(request, "Notification emails are off.")
    return redirect("tickets:notifications")


@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = (
        Notification.objects.for_user(request.user)
        .unread()
        .update(read_at=timezone.now())
    )
    messages.success(request, f"Marked {count} as read.")
    return redirect("tickets:notifications")
