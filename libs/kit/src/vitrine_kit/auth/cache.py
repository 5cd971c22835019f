"""Claims of tokens verified moments ago, so a client's next request skips the RSA verification.

A browser sends the same access token on every call for 15 minutes; verifying it (PyJWT RS256 and the
claims checks) costs ~0.1-0.2 ms of CPU per request (``bench/auth``). An entry lives at most ``ttl_s`` and
never past the token's ``exp``; only a token that verified is kept (a bad one pays the full check every
time); the audience, the kind and the revocation list are still checked on every request. What a cached
entry may outlive: a signing key dropped from the JWKS (honoured for up to ``ttl_s`` more).
"""

from __future__ import annotations

import time
from typing import Any

# The longest a verified token is taken on trust (a removed signing key, a changed clock).
MAX_TTL_S = 30.0


class TokenCache:
    """At most ``size`` verified tokens (the oldest dropped first), each for at most ``ttl_s`` (≤ 30 s)."""

    def __init__(self, *, size: int = 4096, ttl_s: float = MAX_TTL_S) -> None:
        self.size = size
        self.ttl_s = min(ttl_s, MAX_TTL_S)
        self._entries: dict[str, tuple[dict[str, Any], float]] = {}
        self.hits = 0

    def get(self, token: str) -> dict[str, Any] | None:
        """The claims of ``token`` if it verified less than ``ttl_s`` ago and has not expired since."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._entries[token]
            return None
        self.hits += 1
        return entry[0]

    def put(self, token: str, claims: dict[str, Any]) -> None:
        """Remember the claims of a token that just verified (until ``ttl_s`` or its ``exp``)."""
        if self.size <= 0 or self.ttl_s <= 0:
            return
        lifetime = min(self.ttl_s, float(claims["exp"]) - time.time())
        if lifetime <= 0:
            return  # accepted within the leeway past its exp: never kept
        if token not in self._entries and len(self._entries) >= self.size:
            del self._entries[next(iter(self._entries))]  # dicts keep insertion order: the oldest
        self._entries[token] = (claims, time.monotonic() + lifetime)
