"""Every message of the corpus (tests/files/mail, see its README) through the
code of receive_email: messages we did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from customer_flow.lib.mail_parsing import MailRefused
from tickets.inbound import Outcome, receive_email
from tickets.models import HeldEmail, TicketComment

CORPUS = Path(__file__).parent / "files" / "mail"
FILES = sorted([*CORPUS.glob("*/*.eml"), *CORPUS.glob("cpython/msg_*.txt")])
# Not messages, or messages without any sender address: refused (exit 65).
REFUSED = {
    "mail-parser/mail_outlook_1.eml",  # an Outlook .msg file, binary
    "cpython/msg_19.txt",  # a message body without headers
    "django-mailbox/message_with_utf8_attachment.eml",  # From: kontakt@REDACTED
    *(f"cpython/msg_{n}.txt" for n in ("05", "11", "18", "37", "38", "39", "40", "43")),
}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_the_corpus_is_varied():
    assert len(FILES) >= 100
    assert {p.parent.name for p in FILES} == {
        "cpython", "mail-parser", "flufl-bounce", "django-mailbox", "written"
    }  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_each_message_is_stored_or_refused_with_a_reason(
    path, make_ticket_type, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    make_ticket_type()
    raw = path.read_bytes()
    if _name(path) in REFUSED:
        with pytest.raises(MailRefused):
            receive_email(raw)
        return
    report = receive_email(raw)
    assert report.outcome in {Outcome.OPENED, Outcome.HELD}
    if report.outcome is Outcome.HELD:
        held = HeldEmail.objects.get()
        assert held.reason == HeldEmail.Reason.AUTOMATIC and held.detail
        assert held.raw.read() == raw
    else:
        comment = TicketComment.objects.get()
        assert comment.body.strip()
        assert "\x00" not in comment.body
        assert comment.ticket.subject.strip()
    assert receive_email(raw).outcome is Outcome.DUPLICATE


def test_written_shapes_are_read_as_their_programs_meant(
    make_ticket_type, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    make_ticket_type()

    def store(name: str) -> TicketComment:
        report = receive_email((CORPUS / "written" / name).read_bytes())
        return TicketComment.objects.get(message_id=report.message_id)

    gmail = store("gmail_reply.eml")
    assert gmail.body.startswith("Hola,\n\nGracias, ya lo veo bien. ¡Un saludo!")
    assert gmail.ticket.customer.name == "María José García"
    outlook = store("outlook_reply.eml")
    assert "Vielen Dank für die schnelle Hilfe!" in outlook.body
    assert outlook.ticket.customer.name == "Schmidt, Jürgen"
    apple = store("apple_mail_attachment.eml")
    [screenshot] = apple.attachments.all()
    assert (screenshot.filename, screenshot.content_type) == (
        "Capture d’écran.png",
        "image/png",
    )
    assert (
        receive_email((CORPUS / "written" / "mailing_list.eml").read_bytes()).outcome
        is Outcome.HELD
    )
