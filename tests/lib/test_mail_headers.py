from email import message_from_string, policy

from customer_flow.lib.mail_headers import (
    automatic_reason,
    bare_subject,
    first_address,
    message_ids,
    reply_subject,
    ticket_number,
)


def test_message_ids_are_read_without_brackets():
    assert message_ids("<a@x> \r\n\t<b.c@y>") == ["a@x", "b.c@y"]
    assert message_ids(None) == []


def test_first_address_reads_names_and_refuses_non_addresses():
    assert first_address('"Ann, A." <ann@example.com>') == (
        "Ann, A.",
        "ann@example.com",
    )
    assert first_address("undisclosed-recipients:;") == ("", "")
    assert first_address("not an address") == ("", "")


def test_ticket_numbers_come_from_the_subject_token():
    assert ticket_number("Re: [#1042] Printer") == 1042
    assert ticket_number("Order #1042") is None


def test_reply_prefixes_in_several_languages_are_removed():
    assert bare_subject("RE: AW: Fwd: [#3] Printer on fire") == "Printer on fire"
    assert bare_subject("SV: Re[2]: Hello") == "Hello"
    assert reply_subject(7, "Re: Hello") == "[#7] Re: Hello"
    assert reply_subject(7, "") == "[#7] Re: Your request"


def _message(headers: str):
    return message_from_string(headers + "\n\nbody", policy=policy.default)


def test_automatic_messages_are_recognised():
    assert automatic_reason(_message("Auto-Submitted: auto-replied"))
    assert automatic_reason(_message("Precedence: bulk"))
    assert automatic_reason(_message("From: MAILER-DAEMON@mx.example.com"))
    assert automatic_reason(_message("Return-Path: <>"))
    assert automatic_reason(_message("Content-Type: multipart/report; b=x"))
    assert automatic_reason(_message("X-Autoreply: yes"))


def test_mail_from_a_person_is_not_automatic():
    assert automatic_reason(_message("From: ann@example.com\nAuto-Submitted: no")) == ""
