"""A real SMTP server for tests (aiosmtpd), collecting what it receives."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """An SMTP server on a free port; ``.messages`` holds the parsed messages, ``.config`` the app settings."""
    from types import SimpleNamespace

    from aiosmtpd.controller import Controller

    handler = _Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SimpleNamespace(messages=handler.messages, port=port,
                              config={"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                                      "MAIL_FROM": "zi-assess <no-reply@zi.test>"})
    finally:
        from zi_assess.mail import wait_for_background_mail

        wait_for_background_mail()  # messages sent in the background reach the server before it stops
        controller.stop()


def body_text(message: Message) -> str:
    """The text/plain part of a received message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")
