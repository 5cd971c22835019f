"""The default mailer never writes a token to the logs."""

from __future__ import annotations

import logging

import pytest
from auth_service.security.mailer import LogMailer, MailMessage


@pytest.mark.unit
class TestLogMailer:
    async def test_a_reset_link_is_logged_without_its_token(self, caplog: pytest.LogCaptureFixture) -> None:
        token = "s3cr3t-reset-token-0123456789"
        message = MailMessage(
            to="ana@example.com",
            kind="password_reset",
            subject="Reset your password",
            link=f"https://app.vitrine.local/reset?token={token}",
            token=token,
        )
        with caplog.at_level(logging.INFO, logger="auth_service.mail"):
            await LogMailer().send(message)
        logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
        assert "password_reset" in logged
        assert token not in logged
        assert "[redacted]" in logged
