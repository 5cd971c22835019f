"""Token verification for the gateway: the kit's verifier behind a short-lived cache of verified tokens."""

from __future__ import annotations

import time
from typing import Any

from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier

__all__ = ["CachedVerifier", "InvalidToken", "bearer_token"]


def bearer_token(value: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header value, or None."""
    if not value or len(value) < 8 or value[:7].lower() != b"bearer ":
        return None
    token = value[7:].strip()
    return token.decode("latin-1") if token else None


class CachedVerifier:
    """Verifies with the kit's ``TokenVerifier`` and remembers good tokens for a few seconds.

    A browser sends the same token on every call for 15 minutes; the cache spares an RSA verification per
    request. An entry lives at most ``ttl_s`` and never past the token's ``exp``, so a key dropped from the
    JWKS stops being honoured within ``ttl_s``; services verify every token again anyway.
    """

    def __init__(self, verifier: TokenVerifier, *, size: int = 10_000, ttl_s: float = 30.0) -> None:
        self.verifier = verifier
        self.size = size
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[dict[str, Any], float]] = {}

    async def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token; raises ``InvalidToken`` with a reason otherwise."""
        now = time.monotonic()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[1] > now:
                return hit[0]
            del self._cache[token]
        claims = await self.verifier.verify_claims(token)
        if self.ttl_s > 0 and self.size > 0:
            until_exp = float(claims["exp"]) - time.time()
            if len(self._cache) >= self.size:
                # Dicts keep insertion order: dropping the first entry drops the oldest.
                del self._cache[next(iter(self._cache))]
            self._cache[token] = (claims, now + min(self.ttl_s, until_exp))
        return claims
