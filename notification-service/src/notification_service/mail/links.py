"""Unsubscribe links that work without logging in: a token per (tenant, recipient, topic), signed with HMAC.

The token is not a credential for anything else and does not expire (a mail may be read months later); it
is made when a mail is sent, never stored, and never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from notification_service.errors import InvalidUnsubscribeLink

VERSION = "u1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Unsubscribe:
    """Who stops receiving what: a recipient of a tenant, for a topic (a feed kind, or ``digest``)."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    topic: str


class UnsubscribeLinks:
    """Signs and checks unsubscribe tokens; ``url`` is the public address of ``GET /unsubscribe``."""

    def __init__(self, secret: bytes, public_url: str) -> None:
        self._secret = secret
        self.url = public_url.rstrip("/") + "/unsubscribe"

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, VERSION.encode() + b"." + payload, hashlib.sha256).digest()

    def token(self, what: Unsubscribe) -> str:
        payload = f"{what.tenant_id.hex}|{what.user_id.hex}|{what.topic}".encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def link(self, what: Unsubscribe) -> str:
        return f"{self.url}?token={self.token(what)}"

    def read(self, token: str) -> Unsubscribe:
        """The unsubscription a genuine token names; ``InvalidUnsubscribeLink`` for anything else."""
        try:
            encoded, mac = token.split(".")
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(mac), self._mac(payload)):
                raise ValueError("bad signature")
            tenant, user, topic = payload.decode().split("|")
            return Unsubscribe(uuid.UUID(hex=tenant), uuid.UUID(hex=user), topic)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidUnsubscribeLink(
                "This unsubscribe link is not valid; use the one in the e-mail."
            ) from None
