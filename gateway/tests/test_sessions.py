"""Browser sessions at the gateway: the session cookie in place of the bearer token, CSRF (double-submit
token and Origin) on the unsafe requests it authenticates, bearer requests left alone."""

from __future__ import annotations

import asyncio
import time
import uuid

from gateway.config import Upstream
from vitrine_kit.auth.principal import TokenKind
from vitrine_kit.auth.revocation import (
    Revocation,
    RevocationList,
    RevocationPage,
    revocation_key,
    session_revocation_key,
)
from vitrine_kit.testing.tokens import TestKeys

from .conftest import GatewayFactory, UpstreamServer, make_settings, run_gateway

APP = "http://localhost:5173"
PUBLIC = [
    "/api/auth/login",
    "/api/auth/sessions POST,DELETE",
    "/api/auth/sessions/refresh POST",
]


def session_cookies(token: str, csrf: str = "csrf-123") -> str:
    return f"vitrine_access={token}; vitrine_csrf={csrf}"


def write(token: str, *, csrf: str | None = "csrf-123", origin: str | None = APP) -> dict[str, str]:
    headers = {"Cookie": session_cookies(token)}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    if origin is not None:
        headers["Origin"] = origin
    return headers


class TestCookieAuthentication:
    async def test_the_session_cookie_stands_in_for_the_bearer_token(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(token)})
            assert r.status == 200, r.body
            # The service verifies it again, as a bearer token.
            assert r.json()["headers"]["authorization"] == f"Bearer {token}"
            r = await gw.call("GET", "/api/auth/me", headers={"Cookie": "vitrine_access=garbage"})
            assert r.status == 401
            r = await gw.call("GET", "/api/auth/me", headers={"Cookie": "other=1"})
            assert r.status == 401
            assert "session cookie" in r.json()["detail"]
            assert upstream.hits["/me"] == 1

    async def test_a_revoked_session_is_refused(self, test_keys: TestKeys, upstream: UpstreamServer) -> None:
        user, tenant = uuid.uuid4(), uuid.uuid4()
        old = test_keys.issue(sub=str(user), tenant_id=tenant, iat=int(time.time()) - 10)
        revoked_at = time.time() - 5

        async def fetch(since: float) -> RevocationPage:
            entry = Revocation(revocation_key(TokenKind.USER, user, tenant), revoked_at, time.time() + 900)
            return RevocationPage([entry], time.time())

        verifier = test_keys.verifier(revocations=RevocationList(fetch))
        settings = make_settings(
            {"auth": Upstream(prefix="/api/auth", url=upstream.url)}, public_routes=PUBLIC
        )
        async with run_gateway(settings, verifier) as gw:
            r = await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(old)})
            assert r.status == 401
            assert "revoked" in r.json()["detail"]
            fresh = test_keys.issue(sub=str(user), tenant_id=tenant)
            assert (
                await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(fresh)})
            ).status == 200

    async def test_a_logged_out_session_is_refused_once_its_cached_verification_lapses(
        self, test_keys: TestKeys, upstream: UpstreamServer
    ) -> None:
        user, tenant, sid = uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())
        token = test_keys.issue(sub=str(user), tenant_id=tenant, scope="user", sid=sid)
        other = test_keys.issue(sub=str(user), tenant_id=tenant, scope="user", sid=str(uuid.uuid4()))
        entries: list[Revocation] = []

        async def fetch(since: float) -> RevocationPage:
            return RevocationPage(list(entries), time.time())

        verifier = test_keys.verifier(revocations=RevocationList(fetch, refresh_s=0))
        settings = make_settings(
            {"auth": Upstream(prefix="/api/auth", url=upstream.url)},
            public_routes=PUBLIC,
            token_cache_ttl_s=0.5,
        )
        async with run_gateway(settings, verifier) as gw:
            assert (
                await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(token)})
            ).status == 200
            now = time.time()  # the session logged out (iat is whole seconds: a second's margin)
            entries.append(Revocation(session_revocation_key(sid), now + 1, now + 900))
            # The gateway takes a verified token on trust for its cache's ttl, then asks the list again.
            started = time.monotonic()
            while (
                r := await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(token)})
            ).status != 401:
                assert time.monotonic() - started < 1.5, "still accepted past the token cache's ttl"
                await asyncio.sleep(0.05)
            assert "revoked" in r.json()["detail"]
            assert (
                await gw.call("GET", "/api/auth/me", headers={"Cookie": session_cookies(other)})
            ).status == 200


class TestCsrf:
    async def test_a_write_without_or_with_a_wrong_token_is_403(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with gateway_for({"auth": upstream}) as gw:
            for csrf in (None, "not-the-cookie", ""):
                r = await gw.call("POST", "/api/auth/things", json={}, headers=write(token, csrf=csrf))
                assert r.status == 403, csrf
                problem = r.json()
                assert problem["type"].endswith("/csrf-token-invalid")
                assert "CSRF" in problem["title"]
                assert "X-CSRF-Token" in problem["detail"]
                # The answer still lets the app read it.
                assert r.headers["Access-Control-Allow-Origin"] == APP
            assert upstream.hits["/things"] == 0
            for method in ("POST", "PATCH", "DELETE", "PUT"):
                r = await gw.call(method, "/api/auth/things", json={}, headers=write(token))
                assert r.status == 200, method
            assert upstream.hits["/things"] == 4

    async def test_a_write_from_another_origin_or_none_is_refused(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with gateway_for({"auth": upstream}) as gw:
            for origin in ("https://evil.example", None, "http://localhost:5174"):
                r = await gw.call("POST", "/api/auth/things", json={}, headers=write(token, origin=origin))
                assert r.status == 403, origin
                assert r.json()["type"].endswith("/csrf-origin-refused")
            assert upstream.hits["/things"] == 0

    async def test_reads_need_no_csrf_token(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call("GET", "/api/auth/things", headers={"Cookie": f"vitrine_access={token}"})
            assert r.status == 200

    async def test_bearer_requests_are_unaffected(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer, test_keys: TestKeys
    ) -> None:
        token = test_keys.issue(tenant_id=uuid.uuid4())
        async with gateway_for({"auth": upstream}) as gw:
            headers = {
                "Authorization": f"Bearer {token}",
                "Cookie": session_cookies("garbage"),
                "Origin": "https://evil.example",
            }
            r = await gw.call("POST", "/api/auth/things", json={}, headers=headers)
            assert r.status == 200
            assert r.json()["headers"]["authorization"] == f"Bearer {token}"


class TestSessionEndpoints:
    async def test_login_refresh_and_logout_pass_with_the_csrf_checks(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        refresh_only = {"Cookie": "vitrine_refresh=vrt_x; vitrine_csrf=c1", "Origin": APP}
        async with gateway_for({"auth": upstream}, public_routes=PUBLIC) as gw:
            login = await gw.call("POST", "/api/auth/sessions", json={}, headers={"Origin": APP})
            assert login.status == 200
            # A login from another site's page is refused: no logging a victim into another account.
            login = await gw.call(
                "POST", "/api/auth/sessions", json={}, headers={"Origin": "https://evil.example"}
            )
            assert login.status == 403
            assert login.json()["type"].endswith("/csrf-origin-refused")
            # Refresh and logout travel with the refresh cookie alone (the access cookie may have expired).
            r = await gw.call("POST", "/api/auth/sessions/refresh", headers=refresh_only)
            assert r.status == 403
            assert r.json()["type"].endswith("/csrf-token-invalid")
            r = await gw.call(
                "POST", "/api/auth/sessions/refresh", headers={**refresh_only, "X-CSRF-Token": "c1"}
            )
            assert r.status == 200
            assert r.json()["headers"]["cookie"] == refresh_only["Cookie"]
            assert "authorization" not in r.json()["headers"]
            r = await gw.call("DELETE", "/api/auth/sessions", headers=refresh_only)
            assert r.status == 403
            r = await gw.call("DELETE", "/api/auth/sessions", headers={**refresh_only, "X-CSRF-Token": "c1"})
            assert r.status == 200
            assert upstream.hits["/sessions"] == 2
            assert upstream.hits["/sessions/refresh"] == 1

    async def test_the_csrf_header_passes_cors_preflight(
        self, gateway_for: GatewayFactory, upstream: UpstreamServer
    ) -> None:
        async with gateway_for({"auth": upstream}) as gw:
            r = await gw.call(
                "OPTIONS",
                "/api/auth/things",
                headers={
                    "Origin": APP,
                    "Access-Control-Request-Method": "PATCH",
                    "Access-Control-Request-Headers": "content-type, x-csrf-token",
                },
            )
            assert r.status == 204
            assert r.headers["Access-Control-Allow-Credentials"] == "true"
