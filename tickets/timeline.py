"""A ticket's timeline: replies, notes, inbound mail and field changes as one
ordered stream, a page at a time so that a long conversation stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from customer_flow.lib import changelog
from tickets.models import Attachment, Ticket, TicketComment

PER_PAGE = 50
# Field changes shown on one page at most (as many as messages).
MAX_CHANGES = PER_PAGE


@dataclass(frozen=True)
class Item:
    kind: str  # "comment" or "change"
    when: datetime
    item: object


@dataclass(frozen=True)
class TimelinePage:
    items: list[Item]
    page: Page

    @property
    def older_page(self) -> int | None:
        return self.page.next_page_number() if self.page.has_next() else None

    @property
    def newer_page(self) -> int | None:
        return self.page.previous_page_number() if self.page.has_previous() else None


def comments_with_details(ticket: Ticket) -> QuerySet[TicketComment]:
    return ticket.comments.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        "mentions",
    )


def timeline_page(ticket: Ticket, number: str | int | None) -> TimelinePage:
    """Page ``number`` (1 = the newest messages), oldest first within the page,
    with the field changes made between its first and its last message."""
    comments = comments_with_details(ticket).order_by("-created_at", "-id")
    paginator = Paginator(comments, PER_PAGE)
    page = paginator.get_page(number)
    page_comments: list[TicketComment] = list(page.object_list)
    history = ticket.history.all()
    if page.has_next() and page_comments:
        history = history.filter(history_date__gte=page_comments[-1].created_at)
    if page.has_previous():
        # The oldest message of the newer page bounds this page's changes.
        start = page.start_index() - 2
        bound = list(comments.values_list("created_at", flat=True)[start : start + 1])
        if bound:
            history = history.filter(history_date__lt=bound[0])
    changes = changelog.entries(history, limit=MAX_CHANGES)
    if not page.has_next() and len(changes) < MAX_CHANGES:
        changes += _untracked(ticket, changes)
    items = [Item("comment", c.created_at, c) for c in page_comments]
    items += [Item("change", e.when, e) for e in changes]
    items.sort(key=lambda i: i.when)
    return TimelinePage(items, page)


def _untracked(ticket: Ticket, changes: list[changelog.Entry]) -> list[changelog.Entry]:
    """What the ticket's own fields tell when its history does not (tickets written
    in bulk by seed_demo or an import have no history rows)."""
    entries = []
    if not any(entry.kind == "created" for entry in changes):
        who = ticket.opened_by.get_username() if ticket.opened_by else "Someone"
        entries.append(changelog.Entry(ticket.created_at, who, "created"))
        if ticket.closed_at and not changes:
            status = ticket.get_status_display().lower()
            entries.append(
                changelog.Entry(ticket.closed_at, "Someone", f"marked it {status}")
            )
    return entries
