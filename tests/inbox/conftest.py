"""Fixtures for the queue and notifications: the demo (from the request tests) and a real
local SMTP server (aiosmtpd) that keeps every message it is given."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mobilize.core.settings import SmtpSettings
from tests.requests.conftest import Demo, app, client, demo  # noqa: F401 (fixtures)


@dataclass
class Mailbox:
    """What the local SMTP server received: each message, parsed, with its envelope."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)  # set at each message

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        self.arrived.set()
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, timeout: float) -> list[EmailMessage]:
        """The messages to `address`, once at least one has come (or `timeout` passed): each
        message wakes the wait, nothing is polled on a clock."""
        while not self.to(address) and self.arrived.wait(timeout):
            self.arrived.clear()
        return self.to(address)

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def smtp(mailbox: Mailbox) -> SmtpSettings:
    """The local server, plain SMTP (no TLS on a loopback test server)."""
    return SmtpSettings(
        host="127.0.0.1",
        port=mailbox.port,  # type: ignore[attr-defined]
        sender="mobilize@border.example",
        security="none",
        base_url="https://mobilize.example",
    )
