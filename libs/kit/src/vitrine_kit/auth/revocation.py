"""Revoked tokens: a list every verifier pulls from auth-service every few seconds.

A revocation names a kind, a subject and a tenant (a plugin device; a member removed from, or whose role
changed in, a tenant), or a session (the ``sid`` claim of user tokens: one login, logged out), and refuses
the tokens under it issued before it. Keys are hashed, so the list says nothing about who was revoked;
entries drop out once every token they can refuse has expired.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from vitrine_kit.auth.principal import TokenKind

logger = logging.getLogger(__name__)

# auth-service's path for the list (not routed by the gateway: /internal is never public).
REVOCATIONS_PATH = "/internal/token-revocations"
# Entries are fetched from a little before the last answer: a revocation whose transaction committed late
# (its row timestamped before it became visible) is still picked up.
OVERLAP_S = 30.0


class RevocationUnknown(Exception):
    """The list could not be refreshed for too long to vouch for a plugin token."""


def revocation_key(kind: TokenKind | str, subject: str | uuid.UUID, tenant_id: uuid.UUID | None) -> str:
    """The hashed key under which tokens of ``subject`` (in ``tenant_id``) are revoked."""
    raw = f"{TokenKind(kind).value}:{subject}:{tenant_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def session_revocation_key(sid: str | uuid.UUID) -> str:
    """The hashed key under which the tokens of session ``sid`` (their ``sid`` claim) are revoked."""
    return hashlib.sha256(f"session:{sid}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Revocation:
    """Tokens under ``key`` issued before ``not_before`` (epoch s) are refused until ``expires_at``."""

    key: str
    not_before: float
    expires_at: float

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "not_before": self.not_before, "expires_at": self.expires_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Revocation:
        return cls(str(data["key"]), float(data["not_before"]), float(data["expires_at"]))


@dataclass(frozen=True)
class RevocationPage:
    """The entries changed since a point in time, and the server's time of this answer."""

    entries: list[Revocation]
    now: float


# since (epoch s, 0 for everything live) → the entries recorded since then
RevocationFetcher = Callable[[float], Awaitable[RevocationPage]]


class ProcessClient:
    """One ``httpx.AsyncClient`` for the process, created at its first use and closed by ``aclose`` (a
    client of the caller's is used as given and never closed here). A fetch every few seconds then reuses
    a kept-alive connection instead of a new client, TCP connection and SSL context each time."""

    def __init__(self, *, timeout_s: float, http: httpx.AsyncClient | None = None) -> None:
        self.timeout_s = timeout_s
        self._http = http
        self._owned = http is None
        self.created = 0

    def get(self) -> httpx.AsyncClient:
        """The client (a new one if none was made yet, or if the last one was closed)."""
        if self._http is None or (self._owned and self._http.is_closed):
            self._http = httpx.AsyncClient(timeout=self.timeout_s)
            self.created += 1
        return self._http

    async def aclose(self) -> None:
        """Close the client this object made (at shutdown); a later use makes a new one."""
        if self._owned and self._http is not None:
            client, self._http = self._http, None
            await client.aclose()


class HttpRevocationFetcher:
    """Fetches the list from auth-service over HTTP with one client per process (a ``RevocationFetcher``)."""

    def __init__(self, url: str, *, timeout_s: float = 2.0, http: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.client = ProcessClient(timeout_s=timeout_s, http=http)

    async def __call__(self, since: float) -> RevocationPage:
        params = {"since": f"{since:.3f}"}
        response = await self.client.get().get(self.url, params=params, timeout=self.timeout_s)
        response.raise_for_status()
        body = response.json()
        return RevocationPage([Revocation.from_json(e) for e in body["entries"]], float(body["now"]))

    async def aclose(self) -> None:
        """Close the process's client (shutdown)."""
        await self.client.aclose()


def http_revocation_fetcher(
    url: str, *, timeout_s: float = 2.0, http: httpx.AsyncClient | None = None
) -> HttpRevocationFetcher:
    """Fetch the list from auth-service over HTTP (``http``: a client of the caller's, e.g. in tests)."""
    return HttpRevocationFetcher(url, timeout_s=timeout_s, http=http)


async def close_fetcher(fetcher: object) -> None:
    """Close what a fetcher opened, if it opened anything (an ``aclose`` method)."""
    aclose = getattr(fetcher, "aclose", None)
    if aclose is not None:
        await aclose()


class RevocationList:
    """The live revocations, refreshed at most every ``refresh_s`` when a token is checked.

    A user token is checked against what is known even when auth-service cannot be reached (it expires in
    minutes anyway); a plugin token is refused once the list is older than ``max_stale_s``.
    """

    def __init__(
        self, fetcher: RevocationFetcher, *, refresh_s: float = 5.0, max_stale_s: float = 60.0
    ) -> None:
        self.fetcher = fetcher
        self.refresh_s = refresh_s
        self.max_stale_s = max_stale_s
        self._entries: dict[str, Revocation] = {}
        self._since = 0.0
        self._fresh_at = -math.inf  # monotonic time of the last successful refresh
        self._tried_at = -math.inf
        self._lock = asyncio.Lock()
        self.fetches = 0

    def add(self, revocation: Revocation) -> None:
        """Record a revocation learnt otherwise (an event, or auth-service itself)."""
        known = self._entries.get(revocation.key)
        if known is None or known.not_before < revocation.not_before:
            self._entries[revocation.key] = revocation

    async def aclose(self) -> None:
        """Close the fetcher's HTTP client (shutdown)."""
        await close_fetcher(self.fetcher)

    async def refresh(self) -> None:
        """Fetch what changed since the last answer (raises when auth-service cannot answer)."""
        self.fetches += 1
        page = await self.fetcher(self._since)
        for entry in page.entries:
            self.add(entry)
        self._entries = {k: e for k, e in self._entries.items() if e.expires_at > page.now}
        self._since = max(0.0, page.now - OVERLAP_S)
        self._fresh_at = time.monotonic()

    async def _ensure_fresh(self) -> None:
        if time.monotonic() - self._fresh_at <= self.refresh_s:
            return
        async with self._lock:
            now = time.monotonic()
            # Another request refreshed, or failed to, while this one waited: one try per interval.
            if now - self._fresh_at <= self.refresh_s or now - self._tried_at <= self.refresh_s:
                return
            self._tried_at = now
            try:
                await self.refresh()
            except Exception as exc:
                logger.warning("token revocation list not refreshed", extra={"error": repr(exc)})

    async def is_revoked(self, kind: TokenKind, claims: dict[str, Any]) -> bool:
        """Whether the token of ``claims`` was revoked; ``RevocationUnknown`` for a plugin token that
        cannot be vouched for."""
        await self._ensure_fresh()
        if kind is TokenKind.PLUGIN and time.monotonic() - self._fresh_at > self.max_stale_s:
            raise RevocationUnknown("the revocation list is out of date")
        keys = [revocation_key(kind, str(claims["sub"]), _tid(claims))]
        if claims.get("sid"):  # a user token of a session (service and plugin tokens have none)
            keys.append(session_revocation_key(str(claims["sid"])))
        issued_at, now = float(claims.get("iat", 0)), time.time()
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at > now and issued_at < entry.not_before:
                return True
        return False


def _tid(claims: dict[str, Any]) -> uuid.UUID | None:
    tid = claims.get("tid")
    return uuid.UUID(str(tid)) if tid else None
