"""A real SMTP server (aiosmtpd) inside the test process."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """aiosmtpd handler keeping every message it accepts; ``refuse_with`` makes
    it answer DATA with that reply instead (e.g. "451 try later")."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse_with = ""
        self.lock = threading.Lock()

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            raw = [e.original_content or b"" for e in self.recorder.envelopes]
        return [message_from_bytes(r, policy=policy.default) for r in raw]  # type: ignore[misc]

    @property
    def recipients(self) -> list[list[str]]:
        return [list(e.rcpt_tos) for e in self.recorder.envelopes]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.recorder.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages
