"""Reading and writing the headers that thread mail to a ticket."""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import Protocol

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
_TICKET_TOKEN = re.compile(r"\[#(\d{1,15})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|antw|odp|rif|r|tr|res|enc)\s*(\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
# Senders that are machines, never people (bounces and mailer daemons).
_DAEMONS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs (without angle brackets) in a header such as References."""
    return _MESSAGE_ID.findall(str(value or ""))


def first_address(value: str | None) -> tuple[str, str]:
    """(display name, address) of the first mailbox in a header; ("", "") when
    there is none that has the shape local@domain."""
    for name, address in getaddresses([str(value or "")]):
        address = address.strip()
        local, at, domain = address.rpartition("@")
        if at and local and "." in domain and " " not in address:
            return name.strip(), address
    return "", ""


def ticket_number(subject: str | None) -> int | None:
    """The ticket number of a ``[#1042]`` token in a subject."""
    match = _TICKET_TOKEN.search(str(subject or ""))
    return int(match.group(1)) if match else None


def bare_subject(subject: str | None) -> str:
    """A subject without Re:/Fwd: prefixes (in several languages) or ticket tokens."""
    text = _TICKET_TOKEN.sub("", str(subject or ""))
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous = text
        text = _REPLY_PREFIX.sub("", text).strip()
    return text


def reply_subject(number: int, subject: str) -> str:
    """``[#1042] Re: <subject>``: the token lets replies find the ticket."""
    return f"[#{number}] Re: {bare_subject(subject) or 'Your request'}"


class HeaderSource(Protocol):
    """What ``automatic_reason`` reads: an ``email.message.Message`` will do."""

    def get(self, name: str, default: str = "") -> str: ...

    def get_content_type(self) -> str: ...


def automatic_reason(message: HeaderSource) -> str:
    """Why ``message`` was sent by a machine (an auto-reply, a bounce, a bulk
    mailing), or "" for mail written by a person."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if message.get(header):
            return f"{header} header"
    if str(message.get("X-Auto-Response-Suppress", "")).strip().lower() == "all":
        # Outlook's own automatic replies carry this together with an OOF subject.
        if str(message.get("X-MS-Exchange-Inbox-Rules-Loop", "")):
            return "Outlook automatic reply"
    if message.get("Return-Path", "").strip() == "<>":
        return "empty Return-Path (a bounce)"
    if _DAEMONS.match(first_address(message.get("From"))[1]):
        return "sent by a mail daemon"
    return ""
