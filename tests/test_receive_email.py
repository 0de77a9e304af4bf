"""manage.py receive_email: one message on standard input, as an MTA pipes it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.databases import database_url
from tests.mails import make_mail
from tickets.models import Ticket, TicketComment

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _pipe(monkeypatch, raw: bytes) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("receive_email", stdout=out)
    return out.getvalue()


def test_a_message_on_stdin_opens_a_ticket(monkeypatch, make_ticket_type):
    make_ticket_type()
    out = _pipe(monkeypatch, make_mail(message_id="<one@example.net>"))
    ticket = Ticket.objects.get()
    assert out.strip() == f"opened ticket #{ticket.pk}: <one@example.net>"


def test_the_same_message_again_exits_0_and_says_so(monkeypatch, make_ticket_type):
    make_ticket_type()
    raw = make_mail(message_id="<again@example.net>")
    _pipe(monkeypatch, raw)
    assert _pipe(monkeypatch, raw).startswith("already received")
    assert TicketComment.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "refused: empty message"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "refused: binary data"),
        (b"<html>not mail</html>", "refused: not a mail message"),
        (b"To: x@example.com\n\nno sender", "refused: no sender address"),
    ],
)
def test_what_is_not_mail_exits_65_with_one_line(monkeypatch, caplog, db, raw, reason):
    with pytest.raises(CommandError) as refused:
        _pipe(monkeypatch, raw)
    assert refused.value.returncode == 65
    assert str(refused.value).startswith(reason)
    assert "\n" not in str(refused.value)
    assert f"receive_email: {reason}" in caplog.text
    assert not Ticket.objects.exists()


def test_a_message_over_the_limit_exits_65_before_reading_it_all(
    monkeypatch, db, settings
):
    settings.MESSAGE_MAX_BYTES = 1000
    raw = make_mail(text="x" * 5000)
    with pytest.raises(CommandError, match="larger than the 1,000-byte limit") as error:
        _pipe(monkeypatch, raw)
    assert error.value.returncode == 65


def test_no_ticket_type_exits_75_so_the_mta_tries_again(monkeypatch, db):
    with pytest.raises(CommandError, match="try again later") as error:
        _pipe(monkeypatch, make_mail())
    assert error.value.returncode == 75


def _run(raw: bytes, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, "receive_email"],
        input=raw,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_piped_like_postfix_does_it(make_ticket_type, tmp_path):
    make_ticket_type()
    done = _run(make_mail(message_id="<piped@example.net>"), MEDIA_ROOT=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert b"opened ticket" in done.stdout
    assert TicketComment.objects.filter(message_id="piped@example.net").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("raw", "code"), [(b"\x00\x01binary", 65), (b"From: a@example.com\n\nhi", 75)]
)
def test_exit_codes_of_a_real_process_and_no_traceback(db, raw, code):
    # Port 9 has no database: the message is fine, storing it fails for now.
    env = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"} if code == 75 else {}
    done = subprocess.run(
        [sys.executable, MANAGE, "receive_email"],
        input=raw,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        timeout=120,
    )
    assert done.returncode == code
    assert b"Traceback" not in done.stderr
    assert len(done.stderr.decode().strip().splitlines()) <= 2
