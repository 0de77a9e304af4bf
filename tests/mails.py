"""Messages built for the inbound tests."""

from __future__ import annotations

import itertools
from email.message import EmailMessage

_numbers = itertools.count(1)


def make_mail(
    *,
    sender: str = "Ann Example <ann@example.net>",
    subject: str = "Help with my order",
    text: str | None = "Hello, my order is late.",
    html: str | None = None,
    message_id: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    **headers: str,
) -> bytes:
    """An RFC 5322 message; ``headers`` use underscores for dashes
    (``In_Reply_To="<a@b>"``)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Support <support@localhost>"
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<m{next(_numbers)}.test@example.net>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename
        )
    return message.as_bytes()
