"""RS256 verification with PyJWT; keys from a JWKS endpoint, cached and refetched on an unknown ``kid``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from vitrine_kit.auth.cache import TokenCache
from vitrine_kit.auth.principal import ANY_KIND, Principal, TokenKind, kind_of, scopes_of
from vitrine_kit.auth.revocation import (
    REVOCATIONS_PATH,
    ProcessClient,
    RevocationList,
    RevocationUnknown,
    close_fetcher,
    http_revocation_fetcher,
)
from vitrine_kit.settings import BaseServiceSettings

logger = logging.getLogger(__name__)
MAX_TOKEN_BYTES = 8192
ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
# Plugin tokens carry their own audience, so that no verifier built for users mistakes one for a user's.
PLUGIN_AUDIENCE_SUFFIX = "-plugin"


def plugin_audience_for(audience: str) -> str:
    """The audience of plugin tokens beside ``audience`` (``vitrine`` → ``vitrine-plugin``)."""
    return audience + PLUGIN_AUDIENCE_SUFFIX


class InvalidToken(Exception):
    """The token is not acceptable; ``str()`` says why (safe to show the caller)."""


JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


class HttpJwksFetcher:
    """Fetches a JWKS document over HTTP with one client per process (a ``JwksFetcher``)."""

    def __init__(self, url: str, *, timeout_s: float = 3.0) -> None:
        self.url = url
        self.client = ProcessClient(timeout_s=timeout_s)

    async def __call__(self) -> dict[str, Any]:
        response = await self.client.get().get(self.url)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    async def aclose(self) -> None:
        """Close the process's client (shutdown)."""
        await self.client.aclose()


def http_jwks_fetcher(url: str, *, timeout_s: float = 3.0) -> HttpJwksFetcher:
    """Fetch a JWKS document over HTTP."""
    return HttpJwksFetcher(url, timeout_s=timeout_s)


class JWKSCache:
    """Public keys by ``kid``.

    A known ``kid`` costs a dict lookup. An unknown one triggers a refetch, at most once per
    ``min_refetch_interval_s`` (so a flood of forged ``kid`` values cannot hammer auth-service); the whole
    set is also refreshed after ``ttl_s`` so retired keys eventually disappear.
    """

    def __init__(
        self, fetcher: JwksFetcher, *, min_refetch_interval_s: float = 30.0, ttl_s: float = 600.0
    ) -> None:
        self.fetcher = fetcher
        self.min_refetch_interval_s = min_refetch_interval_s
        self.ttl_s = ttl_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._attempted_at = -1e9
        self._lock = asyncio.Lock()
        self.fetches = 0

    def load(self, document: dict[str, Any]) -> None:
        keys: dict[str, Any] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") != "RSA" or not jwk.get("kid") or jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("alg", "RS256") != "RS256":
                continue
            keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _refresh(self, *, forced: bool) -> None:
        async with self._lock:
            now = time.monotonic()
            if forced:
                # Unknown kids: at most one refetch per interval, whatever the flood of forged kids.
                if now - self._attempted_at < self.min_refetch_interval_s:
                    return
                self._attempted_at = now
            elif self._keys and now - self._fetched_at <= self.ttl_s:
                return  # another task refreshed while we waited for the lock
            try:
                self.fetches += 1
                self.load(await self.fetcher())
            except Exception as exc:
                logger.warning("JWKS fetch failed", extra={"error": repr(exc)})
                if not forced:
                    # Keep serving the known keys; try again after a short pause rather than per request.
                    self._fetched_at = now - self.ttl_s + min(self.ttl_s, 5.0)

    async def aclose(self) -> None:
        """Close the fetcher's HTTP client (shutdown)."""
        await close_fetcher(self.fetcher)

    async def get(self, kid: str) -> Any:
        if not self._keys or time.monotonic() - self._fetched_at > self.ttl_s:
            await self._refresh(forced=False)
        key = self._keys.get(kid)
        if key is None:
            await self._refresh(forced=True)
            key = self._keys.get(kid)
        return key


class TokenVerifier:
    """Verifies access tokens: RS256 only, ``iss``/``aud``/``exp`` required, ``nbf`` honoured.

    A token's kind (user, plugin, service) comes from its scope and must match its audience: plugin tokens
    carry ``<audience>-plugin``, the others ``<audience>``. Callers name the kinds they accept; the kit's
    FastAPI dependencies accept users (and services where declared), only ``PluginPrincipal`` plugins.
    With ``revocations``, tokens of revoked devices, members and sessions are refused within seconds. With ``cache``,
    a token verified in the last seconds is not verified again (see ``vitrine_kit.auth.cache``).
    """

    def __init__(
        self,
        keys: JWKSCache,
        *,
        issuer: str,
        audience: str,
        plugin_audience: str | None = None,
        revocations: RevocationList | None = None,
        leeway_s: float = 5.0,
        cache: TokenCache | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.plugin_audience = plugin_audience or plugin_audience_for(audience)
        self.revocations = revocations
        self.leeway_s = leeway_s
        self.cache = cache

    async def aclose(self) -> None:
        """Close the HTTP clients of the key and revocation fetchers (at the process's shutdown)."""
        await self.keys.aclose()
        if self.revocations is not None:
            await self.revocations.aclose()

    async def verify(self, token: str, *, kinds: Collection[TokenKind] = ANY_KIND) -> Principal:
        """Return the principal of a valid token of one of ``kinds``; raise ``InvalidToken`` otherwise."""
        return Principal.from_claims(await self.verify_claims(token, kinds=kinds))

    async def verify_claims(self, token: str, *, kinds: Collection[TokenKind] = ANY_KIND) -> dict[str, Any]:
        """The claims of a valid, unrevoked token of one of ``kinds``; ``InvalidToken`` says why not.

        With a ``cache``, a token verified moments ago skips the signature and claims checks (never past its
        ``exp``); its kind and the revocation list are checked every time.
        """
        claims = self.cache.get(token) if self.cache is not None else None
        if claims is None:
            claims = await self._decode(token)
            if self.cache is not None:
                self.cache.put(token, claims)
        kind = self._kind(claims)
        if kind not in kinds:
            raise InvalidToken(f"{kind.value} tokens are not accepted here")
        if self.revocations is not None and kind is not TokenKind.SERVICE:
            try:
                revoked = await self.revocations.is_revoked(kind, claims)
            except RevocationUnknown as exc:
                raise InvalidToken("revocation cannot be checked now") from exc
            if revoked:
                raise InvalidToken("token revoked")
        return claims

    def _kind(self, claims: dict[str, Any]) -> TokenKind:
        aud = claims.get("aud")
        audiences = {aud} if isinstance(aud, str) else set(aud or ())
        kind = kind_of(scopes_of(claims))
        if kind is TokenKind.PLUGIN:
            if audiences != {self.plugin_audience}:
                raise InvalidToken("wrong audience")
        elif self.audience not in audiences or self.plugin_audience in audiences:
            raise InvalidToken("wrong audience")
        return kind

    async def _decode(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("token too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("unsupported algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id")
        key = await self.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=[self.audience, self.plugin_audience],
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": REQUIRED_CLAIMS, "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("token not yet valid") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("wrong audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("wrong issuer") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"missing claim {exc.claim}") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("invalid token") from exc
        return claims


def revocations_url(settings: BaseServiceSettings) -> str | None:
    """Where auth-service serves the revocation list: beside the JWKS, unless settings name it."""
    explicit = getattr(settings, "revocations_url", None)
    if isinstance(explicit, str):
        return explicit or None
    base, sep, _ = settings.jwks_url.partition("/.well-known/")
    return base + REVOCATIONS_PATH if sep else None


def verifier_from_settings(settings: BaseServiceSettings) -> TokenVerifier:
    """The token verifier a service's settings describe (JWKS and revocations fetched from auth-service)."""
    url = revocations_url(settings)
    return TokenVerifier(
        JWKSCache(
            http_jwks_fetcher(settings.jwks_url),
            min_refetch_interval_s=settings.jwks_min_refetch_interval_s,
            ttl_s=settings.jwks_cache_ttl_s,
        ),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        revocations=RevocationList(http_revocation_fetcher(url)) if url else None,
        cache=TokenCache(size=settings.token_cache_size, ttl_s=settings.token_cache_ttl_s),
    )
