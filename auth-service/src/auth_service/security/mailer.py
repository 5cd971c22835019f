"""Outgoing e-mail behind a protocol; the default writes each message to the log as one JSON line."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated, Protocol

from fastapi import BackgroundTasks, Depends, Request

logger = logging.getLogger("auth_service.mail")


@dataclass(frozen=True)
class MailMessage:
    """One e-mail: ``kind`` names the template, ``link`` carries the token for the person to click."""

    to: str
    kind: str  # verify_email | password_reset | invitation
    subject: str
    link: str
    token: str = field(repr=False)


class Mailer(Protocol):
    """Sends e-mail; implementations must not raise for a delivery problem (log it instead)."""

    async def send(self, message: MailMessage) -> None: ...


class LogMailer:
    """The default: a JSON log line saying a message was sent — never its token: logs are read by many,
    and a reset or invitation link is a credential."""

    async def send(self, message: MailMessage) -> None:
        link = message.link.replace(message.token, "[redacted]") if message.token else message.link
        logger.info(
            "mail",
            extra={"to": message.to, "kind": message.kind, "subject": message.subject, "link": link},
        )


class RecordingMailer:
    """Keeps every message in memory (tests read tokens from it)."""

    def __init__(self) -> None:
        self.sent: list[MailMessage] = []

    async def send(self, message: MailMessage) -> None:
        self.sent.append(message)

    def last(self, to: str, kind: str) -> MailMessage:
        """The latest message of ``kind`` to ``to``."""
        for message in reversed(self.sent):
            if message.to == to and message.kind == kind:
                return message
        raise LookupError(f"no {kind} mail to {to}")


class PostCommitMail:
    """Mail queued by a request and sent after its transaction committed (no mail for a rolled-back change)."""

    def __init__(self, mailer: Mailer, background: BackgroundTasks) -> None:
        self.mailer = mailer
        self.background = background

    def send(self, message: MailMessage) -> None:
        """Queue ``message`` for after the response."""
        self.background.add_task(self.mailer.send, message)


def _post_commit_mail(request: Request, background: BackgroundTasks) -> PostCommitMail:
    return PostCommitMail(request.app.state.context.mailer, background)


Outgoing = Annotated[PostCommitMail, Depends(_post_commit_mail)]
