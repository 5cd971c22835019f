"""OAuth helpers shared by adapters: unguessable ``state`` values (stored hashed) and PKCE pairs."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_state() -> str:
    """A fresh ``state`` for an authorize URL (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def state_digest(state: str) -> str:
    """What to store for a ``state``: its SHA-256, so a database read never yields a usable value."""
    return hashlib.sha256(state.encode()).hexdigest()


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` with method S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
