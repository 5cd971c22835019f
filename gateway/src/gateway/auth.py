"""Authentication: the allow-list of public routes, bearer tokens verified through a short cache, and the
identity headers only a verified token may set."""

from __future__ import annotations

import time
from typing import Any

from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier

from gateway.config import Settings
from gateway.request import Request
from gateway.responses import Refusal

__all__ = [
    "Authenticator",
    "CachedVerifier",
    "IdentityHeaders",
    "InvalidToken",
    "PublicRoutes",
    "bearer_token",
]


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


class PublicRoutes:
    """The allow-list: exact paths, and prefixes written with a trailing ``*``."""

    def __init__(self, patterns: list[str]) -> None:
        self.exact = frozenset(p for p in patterns if not p.endswith("*"))
        self.prefixes = tuple(p[:-1] for p in patterns if p.endswith("*"))

    def allows(self, path: str) -> bool:
        return path in self.exact or (bool(self.prefixes) and path.startswith(self.prefixes))


class IdentityHeaders:
    """Headers that claim an identity: only a verified token may do that, so a client's copies are dropped."""

    def __init__(self, names: list[str], prefixes: list[str]) -> None:
        self.names = frozenset(h.lower() for h in names)
        self.prefixes = tuple(p.lower() for p in prefixes)

    def __contains__(self, name: str) -> bool:
        return name in self.names or name.startswith(self.prefixes)


class Authenticator:
    """Lets public routes through and requires a verified bearer token everywhere else."""

    def __init__(self, settings: Settings, verifier: TokenVerifier) -> None:
        self.public = PublicRoutes(settings.public_routes)
        self.tokens = CachedVerifier(
            verifier, size=settings.token_cache_size, ttl_s=settings.token_cache_ttl_s
        )

    async def tenant(self, request: Request, path: str) -> str | None:
        """The tenant the request acts for (None on a public route); refuses a missing or bad token."""
        if self.public.allows(path):
            return None
        token = bearer_token(request.authorization)
        if token is None:
            raise Refusal.unauthorized("A bearer access token is required.")
        try:
            claims = await self.tokens.verify(token)
        except InvalidToken as exc:
            raise Refusal.unauthorized(f"The access token was refused: {exc}.") from None
        return str(claims.get("tid") or "sub:" + str(claims.get("sub")))
