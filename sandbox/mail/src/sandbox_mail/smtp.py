"""The SMTP side: aiosmtpd on the app's event loop, every accepted message into the mailbox."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.smtp import SMTP, Envelope, Session

from sandbox_mail.store import Mailbox

logger = logging.getLogger("sandbox_mail")


class Handler:
    """aiosmtpd's handler: accepts every recipient, keeps every message."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        received = self.mailbox.add(envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        logger.info("mail received", extra={"id": received.id, "to": received.to})
        return "250 Message accepted for delivery"


async def serve_smtp(mailbox: Mailbox, host: str, port: int, *, max_message_bytes: int) -> asyncio.Server:
    """Listen for SMTP on ``host:port`` (plain, no authentication: a local sink)."""
    loop = asyncio.get_running_loop()
    handler = Handler(mailbox)
    return await loop.create_server(
        lambda: SMTP(handler, hostname="mail-sink", data_size_limit=max_message_bytes),
        host=host,
        port=port,
    )
