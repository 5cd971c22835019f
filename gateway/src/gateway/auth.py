"""Authentication: the allow-list of public routes, bearer tokens verified through a short cache, and the
identity headers only a verified token may set."""

from __future__ import annotations

import time
from typing import Any

from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier
from vitrine_kit.auth.principal import TokenKind, kind_of, scopes_of

from gateway.config import Settings
from gateway.request import Request
from gateway.responses import Refusal
from gateway.sessions import CookieSessions

__all__ = [
    "Authenticator",
    "CachedVerifier",
    "IdentityHeaders",
    "InvalidToken",
    "PublicRoutes",
    "Verified",
    "bearer_token",
]


def bearer_token(value: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header value, or None."""
    if not value or len(value) < 8 or value[:7].lower() != b"bearer ":
        return None
    token = value[7:].strip()
    return token.decode("latin-1") if token else None


class Verified:
    """A verified token's claims, and what every request it comes with needs of them, worked out once."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.plugin = kind_of(scopes_of(claims)) is TokenKind.PLUGIN
        # The tenant the request acts for (rate limits count per tenant): ``sub:<id>`` for a token with none.
        self.tenant = str(claims.get("tid") or "sub:" + str(claims.get("sub")))


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
        self._cache: dict[str, tuple[Verified, float]] = {}

    async def verify(self, token: str) -> Verified:
        """A valid token's claims; raises ``InvalidToken`` with a reason otherwise."""
        now = time.monotonic()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[1] > now:
                return hit[0]
            del self._cache[token]
        verified = Verified(await self.verifier.verify_claims(token))
        if self.ttl_s > 0 and self.size > 0:
            until_exp = float(verified.claims["exp"]) - time.time()
            if len(self._cache) >= self.size:
                # Dicts keep insertion order: dropping the first entry drops the oldest.
                del self._cache[next(iter(self._cache))]
            self._cache[token] = (verified, now + min(self.ttl_s, until_exp))
        return verified


class PublicRoutes:
    """The allow-list. An entry is a path, a trailing ``*`` making it a prefix, optionally followed by the
    only methods it is public for: ``"/api/billing/plans GET"``, ``"/api/x/webhooks/* GET,POST"``.
    GET allows HEAD too."""

    def __init__(self, patterns: list[str]) -> None:
        self.exact: dict[str, frozenset[str] | None] = {}
        self.prefixes: list[tuple[str, frozenset[str] | None]] = []
        for pattern in patterns:
            path, _, listed = pattern.strip().partition(" ")
            methods = {m.strip().upper() for m in listed.split(",") if m.strip()}
            if "GET" in methods:
                methods.add("HEAD")
            allowed = frozenset(methods) or None  # None: any method
            if path.endswith("*"):
                self.prefixes.append((path[:-1], allowed))
            elif path in self.exact:
                known = self.exact[path]
                self.exact[path] = None if known is None or allowed is None else known | allowed
            else:
                self.exact[path] = allowed

    def allows(self, method: str, path: str) -> bool:
        """Whether ``method`` on ``path`` needs no token."""
        if path in self.exact:
            methods = self.exact[path]
            if methods is None or method in methods:
                return True
        for prefix, methods in self.prefixes:
            if path.startswith(prefix) and (methods is None or method in methods):
                return True
        return False


class IdentityHeaders:
    """Headers that claim an identity: only a verified token may do that, so a client's copies are dropped."""

    def __init__(self, names: list[str], prefixes: list[str]) -> None:
        self.names = frozenset(h.lower() for h in names)
        self.prefixes = tuple(p.lower() for p in prefixes)
        self.raw_names = frozenset(n.encode("latin-1") for n in self.names)
        self.raw_prefixes = tuple(p.encode("latin-1") for p in self.prefixes)

    def __contains__(self, name: str) -> bool:
        return name in self.names or name.startswith(self.prefixes)

    def has_raw(self, name: bytes) -> bool:
        """``name in self`` for a lower-case header name as the server read it."""
        return name in self.raw_names or name.startswith(self.raw_prefixes)


class Authenticator:
    """Lets public routes through and requires a verified access token everywhere else: a bearer token,
    or the browser session's cookie (``sessions.CookieSessions`` enforces CSRF for it).

    Plugin tokens live 30 days and are meant for the relay alone: on any other upstream they are refused
    here, before a service sees them (the kit's dependencies refuse them too).
    """

    def __init__(self, settings: Settings, verifier: TokenVerifier, sessions: CookieSessions) -> None:
        self.public = PublicRoutes(settings.public_routes)
        self.sessions = sessions
        self.tokens = CachedVerifier(
            verifier, size=settings.token_cache_size, ttl_s=settings.token_cache_ttl_s
        )
        self.plugin_upstreams = frozenset(settings.plugin_token_upstreams)

    async def tenant(self, request: Request, path: str, upstream: str) -> str | None:
        """The tenant the request acts for (None on a public route); refuses a missing or bad token."""
        token = bearer_token(request.authorization)
        if token is None:
            self.sessions.guard(request, path)
        if self.public.allows(request.method, path):
            return None
        if token is None:
            token = self.sessions.token(request)
            if token is None:
                raise Refusal.unauthorized("A bearer access token or a session cookie is required.")
            request.session_token = token
        verified = await self.verified(token)
        if verified.plugin and upstream not in self.plugin_upstreams:
            raise Refusal.unauthorized("The access token was refused: plugin tokens are not accepted here.")
        return verified.tenant

    async def verified(self, token: str) -> Verified:
        """A valid token, verified; a refusal (401) saying why otherwise."""
        try:
            return await self.tokens.verify(token)
        except InvalidToken as exc:
            raise Refusal.unauthorized(f"The access token was refused: {exc}.") from None
