"""Mail goes out by SMTP (the mail sink locally), never logs a token, and failures are retried then reported."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from auth_service.main import create_app
from auth_service.security.mailer import MailMessage, SmtpConfig, SmtpMailer
from prometheus_client import CollectorRegistry
from sandbox_mail.app import create_app as create_sink
from sandbox_mail.config import Settings as SinkSettings
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.helpers import eventually, free_port

TOKEN = "s3cr3t-reset-token-0123456789"


def reset_mail(to: str = "ana@example.com") -> MailMessage:
    return MailMessage(
        to=to,
        kind="password_reset",
        subject="Reset your password",
        link=f"http://localhost:5173/reset-password?token={TOKEN}",
        token=TOKEN,
    )


@pytest_asyncio.fixture
async def sink() -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    settings = SinkSettings(smtp_port=free_port())
    app = create_sink(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sink") as client:
            yield client, settings.smtp_port


def logged(caplog: pytest.LogCaptureFixture) -> str:
    # mail.log is the sink's SMTP server: the mailbox itself, not auth-service's logs.
    return " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name != "mail.log")


class TestSmtpMailer:
    async def test_the_link_reaches_the_mailbox_and_not_the_logs(
        self, sink, caplog: pytest.LogCaptureFixture
    ) -> None:
        client, port = sink
        mailer = SmtpMailer(SmtpConfig(host="127.0.0.1", port=port), registry=CollectorRegistry())
        with caplog.at_level(logging.DEBUG):
            await mailer.send(reset_mail())
        [received] = (await client.get("/messages")).json()
        assert received["subject"] == "Reset your password"
        assert received["links"] == [f"http://localhost:5173/reset-password?token={TOKEN}"]
        assert TOKEN not in logged(caplog)
        assert mailer.outcomes.labels("password_reset", "sent")._value.get() == 1

    async def test_an_unreachable_server_is_retried_a_bounded_number_of_times_then_reported(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)

        config = SmtpConfig(host="127.0.0.1", port=free_port(), attempts=3, retry_delay_s=0.5, timeout_s=2)
        mailer = SmtpMailer(config, registry=CollectorRegistry(), sleep=sleep)
        with caplog.at_level(logging.DEBUG):
            await mailer.send(reset_mail())  # never raises
        assert pauses == [0.5, 1.0]
        assert mailer.outcomes.labels("password_reset", "failed")._value.get() == 1
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.getMessage() for r in errors] == ["mail not delivered"]
        assert TOKEN not in logged(caplog)


class TestAuthServiceMail:
    async def test_by_default_a_registration_mails_its_link_to_the_sink(self, sink, make_settings) -> None:
        client, port = sink
        async with running_app(create_app(make_settings(smtp_port=port))) as (auth, _):
            email = f"seller-{free_port()}@example.com"
            registered = await auth.post(
                "/register", json={"email": email, "password": "correct horse battery"}
            )
            assert registered.status_code == 201, registered.text

            async def arrived() -> list[dict]:
                return [m for m in (await client.get("/messages")).json() if m["to"] == [email]]

            [mail] = await eventually(arrived)
            assert mail["subject"] == "Confirm your e-mail address"
            assert mail["links"][0].startswith("http://localhost:5173/verify-email?token=")
