"""The mail sink's web side: a page listing messages, a JSON API for tests, and the SMTP server's life."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sandbox_mail.config import Settings
from sandbox_mail.smtp import serve_smtp
from sandbox_mail.store import Mailbox, Received

LINK = re.compile(r"https?://[^\s<>\"']+")


class MessageOut(BaseModel):
    id: int
    received_at: datetime
    mail_from: str
    to: list[str]
    subject: str
    text: str
    html: str | None
    links: list[str]

    @classmethod
    def of(cls, m: Received) -> MessageOut:
        return cls(
            id=m.id,
            received_at=m.received_at,
            mail_from=m.mail_from,
            to=m.to,
            subject=m.subject,
            text=m.text,
            html=m.html,
            links=LINK.findall(m.text),
        )


class MessageNotFound(Exception):
    pass


def _linkified(text: str) -> str:
    """Plain text as HTML, every URL a link (escaped first: a message cannot inject markup)."""
    out, last = [], 0
    for match in LINK.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}" rel="noreferrer">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _page(messages: list[Received]) -> str:
    rows = "".join(
        f"<article><h2>{html.escape(m.subject) or '(no subject)'}</h2>"
        f"<p class=meta>#{m.id} · to {html.escape(', '.join(m.to))} · from {html.escape(m.mail_from)}"
        f" · {m.received_at:%Y-%m-%d %H:%M:%S} UTC</p><pre>{_linkified(m.text)}</pre></article>"
        for m in messages
    )
    empty = "<p>No mail yet. Services deliver here by SMTP.</p>"
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Mail sink</title>"
        '<meta http-equiv="refresh" content="5"><style>body{font:15px system-ui;max-width:60rem;margin:2rem auto}'
        "article{border-bottom:1px solid #ddd;padding:.5rem 0}.meta{color:#666}"
        "pre{white-space:pre-wrap}</style></head><body>"
        f"<h1>Mail sink <small>({len(messages)} messages)</small></h1>{rows or empty}</body></html>"
    )


def create_app(settings: Settings | None = None, mailbox: Mailbox | None = None) -> FastAPI:
    """The sink; its lifespan runs the SMTP server on ``settings.smtp_port``."""
    settings = settings or Settings()
    box = mailbox or Mailbox(settings.max_messages)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        server = await serve_smtp(
            box, settings.host, settings.smtp_port, max_message_bytes=settings.max_message_bytes
        )
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()

    app = FastAPI(
        title="mail-sink",
        description="A local SMTP sink: received messages as a page (/) and as JSON (/messages).",
        lifespan=lifespan,
    )
    app.state.mailbox = box

    @app.exception_handler(MessageNotFound)
    async def not_found(request: Request, exc: MessageNotFound) -> Response:
        return Response(status_code=404)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        """The received messages, newest first, links clickable."""
        return _page(box.all())

    @app.get("/messages")
    async def messages() -> list[MessageOut]:
        """Every message kept, newest first."""
        return [MessageOut.of(m) for m in box.all()]

    @app.get("/messages/{message_id}")
    async def message(message_id: int) -> MessageOut:
        found = box.get(message_id)
        if found is None:
            raise MessageNotFound()
        return MessageOut.of(found)

    @app.delete("/messages", status_code=204)
    async def clear() -> Response:
        """Forget every message (tests start clean)."""
        box.clear()
        return Response(status_code=204)

    return app
