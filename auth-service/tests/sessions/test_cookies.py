"""Browser sessions in cookies: ``POST /sessions``, ``POST /sessions/refresh``, ``DELETE /sessions``."""

from __future__ import annotations

import asyncio
import time
from http.cookies import SimpleCookie

import httpx
import jwt
import pytest
from auth_service.config import Settings
from pydantic import ValidationError

# Called without the gateway in front: the cookies' paths are this service's own, and plain http.
DIRECT = {"cookie_secure": False, "public_path_prefix": "", "session_cookie_path": "/"}


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie line by cookie name."""
    lines = response.headers.get_list("set-cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def cookie_value(response: httpx.Response, name: str) -> str:
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(set_cookies(response)[name])
    return parsed[name].value


async def open_session(flows, email: str) -> httpx.Response:
    response = await flows.client.post("/sessions", json={"email": email, "password": flows.PASSWORD})
    assert response.status_code == 200, response.text
    return response


def csrf(flows) -> dict[str, str]:
    return {"X-CSRF-Token": flows.client.cookies["vitrine_csrf"]}


class TestOpenSession:
    async def test_tokens_go_to_httponly_cookies_and_never_to_the_body(self, flows) -> None:
        registered = await flows.register()
        response = await open_session(flows, registered["email"])
        body = response.json()
        assert body["token_type"] == "cookie"
        assert body["expires_in"] == 900
        assert "access_token" not in body
        assert "refresh_token" not in body
        lines = {name: line.lower() for name, line in set_cookies(response).items()}
        assert set(lines) == {"vitrine_access", "vitrine_refresh", "vitrine_csrf"}
        for line in lines.values():
            assert "; secure" in line
        assert "httponly" in lines["vitrine_access"]
        assert "samesite=lax" in lines["vitrine_access"]
        assert "path=/api;" in lines["vitrine_access"]
        assert "max-age=900" in lines["vitrine_access"]
        assert "httponly" in lines["vitrine_refresh"]
        assert "samesite=strict" in lines["vitrine_refresh"]
        assert "path=/api/auth/sessions" in lines["vitrine_refresh"]
        assert "httponly" not in lines["vitrine_csrf"]
        assert "path=/;" in lines["vitrine_csrf"]
        assert cookie_value(response, "vitrine_csrf") == body["csrf_token"]
        claims = jwt.decode(cookie_value(response, "vitrine_access"), options={"verify_signature": False})
        assert claims["sub"] == registered["user_id"]
        assert claims["tid"] == registered["tenant_id"]

    async def test_wrong_password_sets_no_cookie(self, flows) -> None:
        registered = await flows.register()
        response = await flows.client.post(
            "/sessions", json={"email": registered["email"], "password": "wrong password!"}
        )
        assert response.status_code == 401
        assert not response.headers.get_list("set-cookie")

    @pytest.mark.unit
    def test_insecure_cookies_only_in_a_local_or_test_run(self) -> None:
        assert Settings(environment="test", cookie_secure=False).cookie_secure is False
        with pytest.raises(ValidationError, match="COOKIE_SECURE"):
            Settings(
                environment="production",
                cookie_secure=False,
                key_encryption_key="k" * 40,
                database_url="postgresql+asyncpg://auth@db/vitrine_auth",
                amqp_url="amqp://auth:s3cret@broker/",
            )


class TestRefreshSession:
    async def test_rotates_the_refresh_cookie_and_keeps_the_csrf_token(self, start) -> None:
        async with start(**DIRECT) as flows:
            registered = await flows.register()
            opened = await open_session(flows, registered["email"])
            first_refresh = flows.client.cookies["vitrine_refresh"]
            refreshed = await flows.client.post("/sessions/refresh", headers=csrf(flows))
            assert refreshed.status_code == 200, refreshed.text
            assert refreshed.json()["csrf_token"] == opened.json()["csrf_token"]
            assert cookie_value(refreshed, "vitrine_refresh") != first_refresh
            access = cookie_value(refreshed, "vitrine_access")
            me = await flows.client.get("/me", headers=flows.bearer(access))
            assert me.status_code == 200
            assert (await flows.client.post("/sessions/refresh", headers=csrf(flows))).status_code == 200
            # The first cookie replayed (stolen, say) once its successor was used revokes the family.
            token = csrf(flows)
            flows.client.cookies.clear()
            flows.client.cookies.set("vitrine_refresh", first_refresh)
            flows.client.cookies.set("vitrine_csrf", token["X-CSRF-Token"])
            replay = await flows.client.post("/sessions/refresh", headers=token)
            assert replay.status_code == 401
            assert replay.json()["type"].endswith("/refresh-token-reused")

    async def test_without_or_with_a_wrong_csrf_token_is_403(self, start) -> None:
        async with start(**DIRECT) as flows:
            registered = await flows.register()
            await open_session(flows, registered["email"])
            for headers in ({}, {"X-CSRF-Token": "not-the-cookie"}):
                refused = await flows.client.post("/sessions/refresh", headers=headers)
                assert refused.status_code == 403
                assert refused.json()["type"].endswith("/csrf-token-invalid")
                assert "X-CSRF-Token" in refused.json()["detail"]
            # Nothing was rotated by the refused calls.
            assert (await flows.client.post("/sessions/refresh", headers=csrf(flows))).status_code == 200

    async def test_without_a_session_cookie_is_401(self, start) -> None:
        async with start(**DIRECT) as flows:
            flows.client.cookies.set("vitrine_csrf", "t")
            refused = await flows.client.post("/sessions/refresh", headers={"X-CSRF-Token": "t"})
            assert refused.status_code == 401
            assert refused.json()["type"].endswith("/invalid-refresh-token")


class TestCloseSession:
    async def test_logout_clears_the_cookies_and_revokes_the_session(self, start) -> None:
        async with start(**DIRECT) as flows:
            registered = await flows.register()
            opened = await open_session(flows, registered["email"])
            access = cookie_value(opened, "vitrine_access")
            assert (await flows.client.get("/me", headers=flows.bearer(access))).status_code == 200
            refresh_cookie = flows.client.cookies["vitrine_refresh"]
            token = csrf(flows)
            closed = await flows.client.delete("/sessions", headers=token)
            assert closed.status_code == 204
            cleared = {name: line.lower() for name, line in set_cookies(closed).items()}
            assert set(cleared) == {"vitrine_access", "vitrine_refresh", "vitrine_csrf"}
            assert all("max-age=0" in line for line in cleared.values())
            assert "vitrine_refresh" not in flows.client.cookies
            # The revoked session's cookie, kept by someone, is refused.
            flows.client.cookies.set("vitrine_refresh", refresh_cookie)
            flows.client.cookies.set("vitrine_csrf", token["X-CSRF-Token"])
            revoked = await flows.client.post("/sessions/refresh", headers=token)
            assert revoked.status_code == 401
            # So is its access token, kept by someone (within the revocation list's refresh, 1 s here).
            started = time.monotonic()
            while (await flows.client.get("/me", headers=flows.bearer(access))).status_code != 401:
                assert time.monotonic() - started < 3.0, "the logged-out access token is still accepted"
                await asyncio.sleep(0.1)

    async def test_logout_needs_the_csrf_token_while_a_session_cookie_is_sent(self, start) -> None:
        async with start(**DIRECT) as flows:
            registered = await flows.register()
            await open_session(flows, registered["email"])
            refused = await flows.client.delete("/sessions")
            assert refused.status_code == 403
            assert refused.json()["type"].endswith("/csrf-token-invalid")
            assert (await flows.client.post("/sessions/refresh", headers=csrf(flows))).status_code == 200

    async def test_a_session_ended_elsewhere_is_refused(self, start) -> None:
        async with start(**DIRECT) as flows:
            registered = await flows.register()
            opened = await open_session(flows, registered["email"])
            access = cookie_value(opened, "vitrine_access")
            # Every session of the user ended from another device.
            assert (await flows.client.post("/logout-all", headers=flows.bearer(access))).status_code == 204
            refused = await flows.client.post("/sessions/refresh", headers=csrf(flows))
            assert refused.status_code == 401
