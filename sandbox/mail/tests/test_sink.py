"""Mail delivered by SMTP shows on the page and in the JSON API; the API empties the box."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sandbox_mail.app import create_app
from sandbox_mail.config import Settings
from vitrine_kit.testing.helpers import free_port


@pytest_asyncio.fixture
async def sink() -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    settings = Settings(smtp_port=free_port(), max_messages=3)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sink") as client:
            yield client, settings.smtp_port


async def deliver(port: int, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = "Vitrine <no-reply@vitrine.local>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    await aiosmtplib.send(message, hostname="127.0.0.1", port=port, timeout=5)


class TestSink:
    async def test_a_message_is_listed_with_its_links(self, sink) -> None:
        client, port = sink
        link = "http://localhost:5173/reset-password?token=abc&x=<b>"
        await deliver(port, "ana@example.com", "Reset your password", f"Open {link} within an hour.")
        messages = (await client.get("/messages")).json()
        assert [m["subject"] for m in messages] == ["Reset your password"]
        assert messages[0]["to"] == ["ana@example.com"]
        assert messages[0]["links"] == ["http://localhost:5173/reset-password?token=abc&x="]
        one = await client.get(f"/messages/{messages[0]['id']}")
        assert one.json()["text"].startswith("Open http://")
        page = (await client.get("/")).text
        assert '<a href="http://localhost:5173/reset-password?token=abc&amp;x="' in page
        assert "<b>" not in page  # message text is escaped, never markup
        assert (await client.get("/messages/999")).status_code == 404

    async def test_delete_empties_the_box_and_the_oldest_go_first(self, sink) -> None:
        client, port = sink
        for n in range(4):
            await deliver(port, "bo@example.com", f"n{n}", "hello")
        assert [m["subject"] for m in (await client.get("/messages")).json()] == ["n3", "n2", "n1"]
        assert (await client.delete("/messages")).status_code == 204
        assert (await client.get("/messages")).json() == []
        assert (await client.get("/healthz")).json() == {"status": "ok"}
