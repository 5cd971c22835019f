"""The mail loop: due mails are claimed one at a time (``FOR UPDATE SKIP LOCKED``, so replicas share the
queue), sent over SMTP, and marked in the same transaction; a failure is retried later, a few times.

Each mail is its own transaction, committed here (this loop is the runner of its work, as the consumer runner
is of a message's). A replica that dies between the SMTP answer and the commit sends that mail again: its
Message-ID is the same both times. Logs name the mail by id, never its address or its links.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

import aiosmtplib
import sqlalchemy as sa
from vitrine_kit.db.base import utcnow

from notification_service.config import Settings, SmtpTls
from notification_service.mail import templates
from notification_service.mail.catalogue import language_of
from notification_service.models import Mail, MailStatus

if TYPE_CHECKING:
    from notification_service.context import NotifyContext

logger = logging.getLogger(__name__)


class Mailer(Protocol):
    """Delivers one message or raises; the loop decides about retries."""

    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """SMTP with aiosmtplib: the local mail sink by default, any submission server with TLS and login."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password.get_secret_value() or None,
            use_tls=s.smtp_tls is SmtpTls.IMPLICIT,
            start_tls=s.smtp_tls is SmtpTls.STARTTLS,
            validate_certs=s.smtp_validate_certs,
            timeout=s.smtp_timeout_s,
        )


def permanent(exc: Exception) -> bool:
    """A refusal no retry will change (5xx: no such mailbox, message refused)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500


def describe(exc: Exception) -> str:
    """What to keep of a failure: its class and SMTP code (server texts may quote the address)."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__}{f' {code}' if isinstance(code, int) else ''}"


async def send_due(ctx: NotifyContext) -> int:
    """Send the mails that are due, up to ``mail_batch``; returns how many were sent."""
    sent = 0
    for _ in range(ctx.settings.mail_batch):
        outcome = await _send_one(ctx)
        if outcome is None:
            break
        sent += outcome
    return sent


async def _send_one(ctx: NotifyContext) -> int | None:
    settings = ctx.settings
    async with ctx.db.session() as session:
        mail = (
            await session.execute(
                sa.select(Mail)
                .where(Mail.status == MailStatus.PENDING, Mail.next_attempt_at <= utcnow())
                .order_by(Mail.next_attempt_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if mail is None:
            return None
        message = templates.message(
            mail,
            sender=settings.mail_from,
            app_url=settings.app_url,
            links=ctx.links,
            language=language_of(mail.language),
        )
        started = time.perf_counter()
        try:
            await ctx.mailer.send(message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            delays = settings.mail_retry_delays_s
            last = permanent(exc) or mail.attempts + 1 >= settings.mail_max_attempts
            retry_at = (
                None if last else utcnow() + timedelta(seconds=delays[min(mail.attempts, len(delays) - 1)])
            )
            mail.mark_failed(describe(exc), retry_at=retry_at)
            ctx.notify_metrics.mails.labels("failed" if last else "retry").inc()
            log = logger.error if last else logger.warning
            log(
                "mail not sent",
                extra={
                    "mail_id": mail.id,
                    "topic": mail.topic,
                    "attempt": mail.attempts,
                    "error": mail.last_error,
                },
            )
            await session.commit()
            return 0
        ctx.notify_metrics.mail_latency.observe(time.perf_counter() - started)
        mail.mark_sent(utcnow())
        await session.commit()
        ctx.notify_metrics.mails.labels("sent").inc()
        logger.info("mail sent", extra={"mail_id": mail.id, "topic": mail.topic, "attempt": mail.attempts})
        return 1
