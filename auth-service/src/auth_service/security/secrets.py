"""Opaque tokens: random values handed out once and stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

# Uppercase without 0/O, 1/I/L: easy to read aloud and to type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token of ``nbytes`` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)


def digest(value: str) -> bytes:
    """The SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(value.encode()).digest()


def new_code(length: int = 8) -> str:
    """A short human code (pairing)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    return code.strip().upper().replace("-", "").replace(" ", "")
