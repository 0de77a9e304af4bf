"""One RFC 5322 message (bytes) read into what a helpdesk keeps of it.

Model-free: ``tickets.inbound`` decides where the message goes. Reading never
raises anything but ``MailRefused`` for what a mail server may hand us.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parsedate_to_datetime

from customer_flow.lib import mail_headers
from customer_flow.lib.html_text import html_to_text

_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
_BODY_LIMIT = 1_000_000  # characters of text kept from one message


class MailRefused(Exception):
    """The bytes are not a message we can store (the reason is one line)."""


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    data: bytes
    declared_type: str


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    from_name: str
    from_address: str
    subject: str
    text: str
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    # Message-IDs of the mail a bounce reports on (from its attached headers).
    reported_ids: list[str] = field(default_factory=list)
    automatic: str = ""
    attachments: list[MailAttachment] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this one answers, the nearest first."""
        ids = self.in_reply_to + list(reversed(self.references)) + self.reported_ids
        return list(dict.fromkeys(ids))


def parse_mail(raw: bytes) -> ParsedMail:
    """Read ``raw``; raise ``MailRefused`` for empty, binary or header-less input
    and for a message without a sender address."""
    _check_shape(raw)
    # The compat32 policy: lenient with broken mail and several times faster
    # than the default policy's header objects; headers are decoded here.
    message = message_from_bytes(raw)
    name, address = _sender(message)
    ids = mail_headers.message_ids(header(message, "Message-ID"))
    text, attachments = _content(message)
    return ParsedMail(
        message_id=ids[0] if ids else _synthetic_id(raw),
        from_name=name,
        from_address=address,
        subject=" ".join(header(message, "Subject").split())[:200],
        text=text[:_BODY_LIMIT],
        date=_date(header(message, "Date")),
        in_reply_to=mail_headers.message_ids(header(message, "In-Reply-To")),
        references=mail_headers.message_ids(header(message, "References")),
        reported_ids=_reported_ids(message),
        automatic=mail_headers.automatic_reason(_HeaderView(message)),
        attachments=attachments,
    )


def _sender(message: Message) -> tuple[str, str]:
    for name in ("From", "Sender"):
        # Addresses from the undecoded header: a decoded display name may hold
        # commas or angle brackets that would split it.
        display, address = mail_headers.first_address(_header_text(message, name))
        if address:
            return _decode_words(display).replace("\x00", ""), address
    raise MailRefused("no sender address in From")


def _check_shape(raw: bytes) -> None:
    if not raw.strip():
        raise MailRefused("empty message")
    head = raw.lstrip()[:65536].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    if b"\x00" in head:
        raise MailRefused("binary data, not a mail message (NUL bytes in the header)")
    first = raw.lstrip().split(b"\n", 1)[0]
    if first.startswith(b"From "):  # mbox separator line, as procmail may pass
        first = raw.lstrip().split(b"\n", 2)[1] if b"\n" in raw.lstrip() else b""
    if not _HEADER_LINE.match(first):
        raise MailRefused("not a mail message: it does not start with a header")


def header(message: Message, name: str) -> str:
    """A header's decoded text (RFC 2047 words, undeclared 8-bit text read in
    the body's charset), without NUL characters."""
    return _decode_words(_header_text(message, name)).replace("\x00", "")


def _header_text(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - the email package raises many kinds here
        value = None
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # An email.header.Header: the header had 8-bit bytes in no declared charset.
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            data = str(raw).encode("ascii", "surrogateescape")
            charsets = ["utf-8", *filter(None, message.get_charsets()), "cp1252"]
            for charset in charsets:
                try:
                    return data.decode(charset)
                except (LookupError, UnicodeDecodeError):
                    continue
            return data.decode("latin-1")
    return ""


def _decode_words(text: str) -> str:
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - malformed encoded words
        return text


class _HeaderView:
    """``mail_headers.automatic_reason`` reads headers through this, so a
    broken header cannot raise there either."""

    def __init__(self, message: Message) -> None:
        self.message = message

    def get(self, name: str, default: str = "") -> str:
        return header(self.message, name) or default

    def get_content_type(self) -> str:
        return self.message.get_content_type()


def _synthetic_id(raw: bytes) -> str:
    # Without a Message-ID, the same bytes delivered twice are still one message.
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id"


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _leaves(part: Message) -> Iterator[Message]:
    """The parts that hold content, in order; an attached message is one part
    (its own parts are not the message's)."""
    payload = part.get_payload()
    if part.is_multipart() and isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _content(message: Message) -> tuple[str, list[MailAttachment]]:
    leaves = list(_leaves(message))
    body = _body_part(leaves)
    text = _part_text(body) if body is not None else ""
    if body is not None and body.get_content_type() == "text/html":
        text = html_to_text(text)
    attachments = []
    for part in leaves:
        if part is not body:
            attachment = _attachment(part)
            if attachment is not None:
                attachments.append(attachment)
    return text.replace("\r\n", "\n").replace("\x00", "").strip(), attachments


def _body_part(leaves: list[Message]) -> Message | None:
    """The first plain-text part that is not a file, else the first HTML one."""
    for wanted in ("text/plain", "text/html"):
        for part in leaves:
            if part.get_content_type() == wanted and not _is_file(part):
                return part
    return None


def _is_file(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_filename(part))


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _attachment(part: Message) -> MailAttachment | None:
    content_type = part.get_content_type()
    disposition = str(part.get_content_disposition() or "")
    filename = _filename(part)
    if content_type in ("message/rfc822", "text/rfc822-headers"):
        rfc822 = content_type == "message/rfc822"
        data = _attached_message(part) if rfc822 else _raw(part)
        name = filename or "attached-message.eml"
        return MailAttachment(name, data, content_type)
    if content_type.startswith("multipart/") or content_type.endswith("-status"):
        return None
    if not filename and disposition != "attachment":
        if content_type in ("text/plain", "text/html"):
            return None  # an alternative or a second text part, not a file
    data = _raw(part)
    if not data:
        return None
    return MailAttachment(filename or "attachment", data, content_type)


def _filename(part: Message) -> str:
    try:
        return _decode_words(str(part.get_filename() or ""))
    except Exception:  # noqa: BLE001
        return ""


def _attached_message(part: Message) -> bytes:
    try:
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return part.as_bytes()
    except Exception:  # noqa: BLE001 - a broken attached message is kept raw
        return str(part.get_payload()).encode("utf-8", "surrogateescape")


def _raw(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return b""
    return payload if isinstance(payload, bytes) else b""


def _reported_ids(message: Message) -> list[str]:
    if message.get_content_type() != "multipart/report":
        return []
    ids: list[str] = []
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                ids += mail_headers.message_ids(header(inner[0], "Message-ID"))
        elif kind == "text/rfc822-headers":
            found = re.search(rb"(?im)^message-id:\s*(<[^>]+>)", _raw(part))
            if found:
                value = found.group(1).decode("ascii", "replace")
                ids += mail_headers.message_ids(value)
    return ids
