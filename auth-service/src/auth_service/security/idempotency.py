"""``Idempotency-Key`` on register and login: a retried POST gets the first answer, not a second account or
another session.

The kit keeps keys per tenant; before register or login the caller has none, so keys are kept per e-mail
address (the body's ``email``, trimmed and lower-cased, as a UUIDv5 in place of the tenant). Not per client IP:
a retry is most needed when the connection dropped, and a phone that changed network comes back from another
address. Only a request with the same body (the password included) is answered with the stored answer, so a
key never gives anyone else's tokens; the stored body of a login holds a token pair, so it is sealed with a key
derived from ``KEY_ENCRYPTION_KEY``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet
from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute
from vitrine_kit.db.deps import SharedSession
from vitrine_kit.idempotency import KeyHeader, claim, guarded

from auth_service.context import AuthContext
from auth_service.deps import Auth
from auth_service.keys.service import fernet_for

# The namespace of the e-mail owners of keys (never a tenant id: those are random UUIDs).
EMAIL_KEYS = uuid.UUID("5d0c8f8e-4b43-4a8e-9a0e-2f4d6a1c7b31")


def owner_of(email: str) -> uuid.UUID:
    """Who a key belongs to before there is a tenant: the e-mail address."""
    return uuid.uuid5(EMAIL_KEYS, email.strip().lower())


def _email_in(body: bytes) -> str | None:
    try:
        email = json.loads(body).get("email")
    except (ValueError, AttributeError):
        return None
    return email if isinstance(email, str) else None


def _cipher(auth: AuthContext) -> Fernet:
    # Its own key, derived from the one that seals the signing keys.
    return fernet_for("idempotency:" + auth.settings.key_encryption_key.get_secret_value())


async def _guard(request: Request, session: SharedSession, auth: Auth, key: KeyHeader = None) -> None:
    if key is None:
        return
    email = _email_in(await request.body())
    if email is None:
        return  # not a body the route accepts: its own validation answers 422
    await claim(request, session, owner_of(email), key, cipher=_cipher(auth))


def keyed_by_email(router: APIRouter, *endpoints: Callable[..., Any]) -> None:
    """Make these POSTs of ``router`` honour ``Idempotency-Key`` (call before the router is included)."""
    for index, route in enumerate(router.routes):
        if isinstance(route, APIRoute) and route.endpoint in endpoints:
            router.routes[index] = guarded(route, Depends(_guard))
