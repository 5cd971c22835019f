"""The JWKS and revocation fetchers keep one HTTP client per process (kept-alive connection), made at the
first fetch and closed at shutdown, with the same timeouts and failures as before."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from vitrine_kit.auth.jwt import InvalidToken, JWKSCache, TokenVerifier, http_jwks_fetcher
from vitrine_kit.auth.revocation import (
    REVOCATIONS_PATH,
    RevocationList,
    http_revocation_fetcher,
    revocation_key,
)
from vitrine_kit.testing.helpers import free_port
from vitrine_kit.testing.tokens import AUDIENCE, ISSUER, TestKeys


@dataclass
class AuthStandIn:
    """auth-service's JWKS and revocation list, counting the TCP connections its callers open."""

    keys: TestKeys
    revoked: list[dict[str, object]] = field(default_factory=list)
    peers: list[tuple[str, int]] = field(default_factory=list)
    delay_s: float = 0.0
    status: int = 200
    url: str = ""

    def app(self) -> Starlette:
        async def jwks(request: Request) -> JSONResponse:
            self.peers.append(request.client[:2] if request.client else ("", 0))
            return JSONResponse(self.keys.jwks())

        async def revocations(request: Request) -> JSONResponse:
            self.peers.append(request.client[:2] if request.client else ("", 0))
            await asyncio.sleep(self.delay_s)
            return JSONResponse({"entries": self.revoked, "now": time.time()}, status_code=self.status)

        return Starlette(routes=[Route("/.well-known/jwks.json", jwks), Route(REVOCATIONS_PATH, revocations)])

    @property
    def connections(self) -> int:
        return len(set(self.peers))


@pytest_asyncio.fixture
async def auth() -> AsyncIterator[AuthStandIn]:
    stand_in = AuthStandIn(TestKeys())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(stand_in.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    stand_in.url = f"http://127.0.0.1:{port}"
    try:
        yield stand_in
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


class TestRevocationFetcher:
    async def test_fetches_reuse_one_client_and_one_connection(self, auth: AuthStandIn) -> None:
        fetcher = http_revocation_fetcher(auth.url + REVOCATIONS_PATH)
        for _ in range(5):
            page = await fetcher(0.0)
            assert page.entries == []
        assert (fetcher.client.created, len(auth.peers), auth.connections) == (1, 5, 1)
        await fetcher.aclose()

    async def test_closing_it_closes_the_client_and_a_later_fetch_makes_a_new_one(
        self, auth: AuthStandIn
    ) -> None:
        fetcher = http_revocation_fetcher(auth.url + REVOCATIONS_PATH)
        await fetcher(0.0)
        client = fetcher.client.get()
        await fetcher.aclose()
        assert client.is_closed
        await fetcher(0.0)
        assert fetcher.client.created == 2
        await fetcher.aclose()
        await fetcher.aclose()  # twice is harmless

    async def test_a_client_of_the_caller_s_is_used_and_never_closed(self, auth: AuthStandIn) -> None:
        async with httpx.AsyncClient(base_url=auth.url) as mine:
            fetcher = http_revocation_fetcher(REVOCATIONS_PATH, http=mine)
            await fetcher(0.0)
            await fetcher.aclose()
            assert not mine.is_closed
            assert fetcher.client.created == 0

    async def test_a_slow_answer_times_out_as_before(self, auth: AuthStandIn) -> None:
        auth.delay_s = 0.5
        fetcher = http_revocation_fetcher(auth.url + REVOCATIONS_PATH, timeout_s=0.1)
        with pytest.raises(httpx.TimeoutException):
            await fetcher(0.0)
        auth.delay_s = 0.0
        assert (await fetcher(0.0)).entries == []  # the same client goes on after a timeout
        assert fetcher.client.created == 1
        await fetcher.aclose()

    async def test_a_failure_keeps_what_the_list_knew_and_refuses_plugins_once_stale(
        self, auth: AuthStandIn
    ) -> None:
        keys, device = auth.keys, str(uuid.uuid4())
        tenant = uuid.uuid4()
        auth.revoked = [
            {
                "key": revocation_key("plugin", device, tenant),
                "not_before": time.time() + 5,
                "expires_at": 2e9,
            }
        ]
        revocations = RevocationList(
            http_revocation_fetcher(auth.url + REVOCATIONS_PATH), refresh_s=0.0, max_stale_s=0.3
        )
        verifier = keys.verifier(revocations=revocations)
        revoked = keys.issue(sub=device, tenant_id=tenant, scope="plugin")
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(revoked)
        auth.status = 500
        with pytest.raises(InvalidToken, match="revoked"):  # the entry known stays
            await verifier.verify(revoked)
        other = keys.issue(tenant_id=tenant, scope="plugin")
        await asyncio.sleep(0.35)
        with pytest.raises(InvalidToken, match="cannot be checked"):
            await verifier.verify(other)
        await revocations.aclose()


class TestVerifierClose:
    async def test_the_verifier_closes_both_fetchers_clients(self, auth: AuthStandIn) -> None:
        keys = JWKSCache(http_jwks_fetcher(auth.url + "/.well-known/jwks.json"))
        revocations = RevocationList(http_revocation_fetcher(auth.url + REVOCATIONS_PATH))
        verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, revocations=revocations)
        for _ in range(3):
            await verifier.verify(auth.keys.issue(tenant_id=uuid.uuid4()))
        jwks_client = keys.fetcher.client.get()  # type: ignore[attr-defined]
        revocations_client = revocations.fetcher.client.get()  # type: ignore[attr-defined]
        await verifier.aclose()
        assert jwks_client.is_closed
        assert revocations_client.is_closed

    async def test_a_verifier_with_in_memory_fetchers_closes_without_error(self) -> None:
        await TestKeys().verifier(revocations=RevocationList(_nothing)).aclose()


async def _nothing(since: float) -> object:
    raise AssertionError("not fetched")
