"""Outgoing e-mail behind a protocol: SMTP (aiosmtplib) or the log, chosen by settings.

Links in these mails are credentials (a reset link is a password): no mailer ever logs one, and a delivery
problem is retried a bounded number of times, then reported (log, metric) — never raised into a request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from typing import Annotated, Protocol

import aiosmtplib
from fastapi import BackgroundTasks, Depends, Request
from prometheus_client import CollectorRegistry, Counter

logger = logging.getLogger("auth_service.mail")


class MailBackend(StrEnum):
    SMTP = "smtp"
    LOG = "log"


class SmtpTls(StrEnum):
    NONE = "none"  # plain (the local mail sink)
    STARTTLS = "starttls"  # upgrade on the submission port (587)
    IMPLICIT = "implicit"  # TLS from the first byte (465)


@dataclass(frozen=True)
class MailMessage:
    """One e-mail: ``kind`` names the template, ``link`` carries the token for the person to click."""

    to: str
    kind: str  # verify_email | password_reset | invitation | account_exists
    subject: str
    link: str
    token: str = field(default="", repr=False)

    def redacted_link(self) -> str:
        """The link without its token, safe to log."""
        return self.link.replace(self.token, "[redacted]") if self.token else self.link


BODIES = {
    "verify_email": "Confirm your e-mail address by opening this link within 24 hours:\n\n{link}\n\n"
    "If you did not create a Vitrine account, ignore this message.",
    "password_reset": "Someone asked to reset your Vitrine password. Choose a new one within an hour:\n\n"
    "{link}\n\nIf it was not you, ignore this message: your password has not changed.",
    "invitation": "You are invited to join a seller account on Vitrine. Accept within 7 days:\n\n{link}",
    "account_exists": "Someone tried to create a Vitrine account with this e-mail address, and you already "
    "have one. Log in as usual, or if you forgot your password reset it here:\n\n{link}\n\n"
    "If it was not you, ignore this message: nothing has changed.",
}


def render(message: MailMessage, sender: str) -> EmailMessage:
    """The MIME message of ``message`` (plain text, the link on its own line)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(BODIES.get(message.kind, "{link}").format(link=message.link) + "\n\n— Vitrine\n")
    return email


class Mailer(Protocol):
    """Sends e-mail; implementations must not raise for a delivery problem (report it instead)."""

    async def send(self, message: MailMessage) -> None: ...


class LogMailer:
    """A JSON log line saying a message was sent — never its token: logs are read by many."""

    async def send(self, message: MailMessage) -> None:
        logger.info(
            "mail",
            extra={
                "to": message.to,
                "kind": message.kind,
                "subject": message.subject,
                "link": message.redacted_link(),
            },
        )


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: SmtpTls = SmtpTls.NONE
    username: str = ""
    password: str = field(default="", repr=False)
    validate_certs: bool = True
    timeout_s: float = 10.0
    sender: str = "Vitrine <no-reply@vitrine.local>"
    attempts: int = 3
    retry_delay_s: float = 1.0


def _permanent(exc: Exception) -> bool:
    # 5xx: the server refused this message for good (bad recipient, policy); retrying changes nothing.
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500


class SmtpMailer:
    """Delivers over SMTP; a failure is retried ``attempts`` times with doubling delays, then reported."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        registry: CollectorRegistry | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.outcomes = Counter(
            "auth_mail", "Mail handed to SMTP, by kind and outcome", ["kind", "outcome"], registry=registry
        )

    async def _deliver(self, email: EmailMessage) -> None:
        c = self.config
        await aiosmtplib.send(
            email,
            hostname=c.host,
            port=c.port,
            username=c.username or None,
            password=c.password or None,
            use_tls=c.tls is SmtpTls.IMPLICIT,
            start_tls=c.tls is SmtpTls.STARTTLS,
            validate_certs=c.validate_certs,
            timeout=c.timeout_s,
        )

    async def send(self, message: MailMessage) -> None:
        email = render(message, self.config.sender)
        failure = ""
        for attempt in range(1, self.config.attempts + 1):
            try:
                await self._deliver(email)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                # The class and SMTP code only: a server's text may quote what it refused.
                failure = type(exc).__name__ + (
                    f" {exc.code}" if isinstance(exc, aiosmtplib.SMTPResponseException) else ""
                )
                if _permanent(exc) or attempt == self.config.attempts:
                    break
                await self.sleep(self.config.retry_delay_s * 2 ** (attempt - 1))
            else:
                self.outcomes.labels(message.kind, "sent").inc()
                logger.info("mail sent", extra={"to": message.to, "kind": message.kind, "attempt": attempt})
                return
        self.outcomes.labels(message.kind, "failed").inc()
        logger.error(
            "mail not delivered",
            extra={"to": message.to, "kind": message.kind, "attempts": attempt, "error": failure},
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
