import pytest

from customer_flow.lib.mail_parsing import MailRefused, parse_mail
from tests.mails import make_mail


def test_a_plain_message_is_read():
    mail = parse_mail(make_mail(message_id="<abc@example.net>"))
    assert (mail.from_name, mail.from_address) == ("Ann Example", "ann@example.net")
    assert mail.message_id == "abc@example.net"
    assert mail.subject == "Help with my order"
    assert mail.text == "Hello, my order is late."
    assert mail.automatic == ""


def test_html_only_mail_becomes_text_and_markup_is_gone():
    raw = make_mail(text=None, html="<p>Hi <b>there</b></p><script>x()</script>")
    assert parse_mail(raw).text == "Hi there"


def test_the_text_part_wins_over_html():
    raw = make_mail(text="plain words", html="<p>html words</p>")
    assert parse_mail(raw).text == "plain words"


def test_encoded_headers_and_charsets_are_decoded():
    raw = (
        b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.de>\r\n"
        b"Subject: =?utf-8?b?w4ljb2xlIOKAkyDmvKLlrZc=?=\r\n"
        b"Message-ID: <x@example.de>\r\n"
        b"Content-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Привет".encode("koi8-r")
    )
    mail = parse_mail(raw)
    assert mail.from_name == "Jürgen Müller"
    assert mail.subject == "École – 漢字"
    assert mail.text == "Привет"


def test_an_unknown_charset_still_gives_text():
    raw = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"caf\xe9"
    )
    assert parse_mail(raw).text == "café"


def test_attachments_are_returned_with_their_names():
    raw = make_mail(attachments=(("report.pdf", b"%PDF-1.4", "application/pdf"),))
    [attachment] = parse_mail(raw).attachments
    assert (attachment.filename, attachment.data) == ("report.pdf", b"%PDF-1.4")


def test_threading_ids_nearest_first():
    raw = make_mail(In_Reply_To="<c@x>", References="<a@x> <b@x> <c@x>")
    assert parse_mail(raw).thread_ids == ["c@x", "b@x", "a@x"]


def test_a_message_without_message_id_gets_one_from_its_bytes():
    raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody"
    first, second = parse_mail(raw), parse_mail(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@no-message-id")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"   \r\n", "empty message"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "NUL bytes"),
        (b"\x89PNG\r\n\x1a\nIHDR", "does not start with a header"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "NUL bytes"),
        (b"Just some text\nwithout headers", "does not start with a header"),
        (b"Subject: no sender\r\n\r\nbody", "no sender address"),
        (b"From: not an address\r\n\r\nbody", "no sender address"),
    ],
)
def test_what_is_not_a_message_is_refused_with_a_reason(raw, reason):
    with pytest.raises(MailRefused, match=reason):
        parse_mail(raw)


def test_a_delivery_report_names_the_message_it_reports_on():
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nIt bounced.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
        b"Final-Recipient: rfc822; ann@example.net\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n"
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <our.reply@localhost>\r\nSubject: [#7] Re: x\r\n"
        b"--B--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.automatic
    assert mail.reported_ids == ["our.reply@localhost"]
    assert mail.text == "It bounced."
