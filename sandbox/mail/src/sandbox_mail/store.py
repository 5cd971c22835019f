"""Received messages, newest first, parsed once on arrival."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass(frozen=True)
class Received:
    """One message as it arrived: the envelope and the parsed headers and bodies."""

    id: int
    received_at: datetime
    mail_from: str
    to: list[str]
    subject: str
    text: str
    html: str | None
    raw_size: int


def _bodies(message: EmailMessage) -> tuple[str, str | None]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # SMTP lines end in CRLF; the page and the API show plain newlines.
    text = plain.get_content().replace("\r\n", "\n") if isinstance(plain, EmailMessage) else ""
    return text, html.get_content() if isinstance(html, EmailMessage) else None


class Mailbox:
    """The last ``capacity`` messages, in memory."""

    def __init__(self, capacity: int) -> None:
        self._messages: deque[Received] = deque(maxlen=capacity)
        self._ids = itertools.count(1)

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> Received:
        """Parse and keep a message delivered by SMTP."""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        text, html = _bodies(parsed)
        received = Received(
            id=next(self._ids),
            received_at=datetime.now(UTC),
            mail_from=mail_from,
            to=list(rcpt_tos),
            subject=str(parsed.get("subject", "")),
            text=text,
            html=html,
            raw_size=len(raw),
        )
        self._messages.appendleft(received)
        return received

    def all(self) -> list[Received]:
        return list(self._messages)

    def get(self, message_id: int) -> Received | None:
        return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> None:
        self._messages.clear()
