"""Through the gateway, as a frontend would: register → login → /me → refresh → logout."""

from __future__ import annotations

import uuid

import httpx


def new_email() -> str:
    return f"seller-{uuid.uuid4().hex[:10]}@example.com"


class TestAuthFlow:
    def test_register_login_me_refresh_logout(self, api: httpx.Client) -> None:
        email, password = new_email(), "correct horse battery"
        registered = api.post("/api/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        assert registered.headers["x-request-id"]

        login = api.post("/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        tokens = login.json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}

        me = api.get("/api/auth/me", headers=auth)
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email

        refreshed = api.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        new_tokens = refreshed.json()
        assert new_tokens["refresh_token"] != tokens["refresh_token"]

        reused = api.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.status_code in (401, 409)

        out = api.post("/api/auth/logout", json={"refresh_token": new_tokens["refresh_token"]})
        assert out.status_code in (200, 204), out.text
        after = api.post("/api/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]})
        assert after.status_code == 401

    def test_the_gateway_refuses_without_a_token_and_drops_spoofed_identity(self, api: httpx.Client) -> None:
        assert api.get("/api/auth/me").status_code == 401
        spoofed = api.get("/api/auth/me", headers={"X-User-Id": str(uuid.uuid4()), "X-Tenant-Id": "t"})
        assert spoofed.status_code == 401

    def test_bad_input_gets_a_problem_naming_the_field(self, api: httpx.Client) -> None:
        response = api.post("/api/auth/register", json={"email": "not-an-email", "password": "short"})
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"email", "password"} <= fields

    def test_readiness_and_merged_openapi(self, api: httpx.Client, fleet) -> None:
        assert api.get("/healthz").status_code == 200
        spec = api.get("/openapi.json").json()
        for prefix in (
            "/api/auth/",
            "/api/catalog/",
            "/api/media/",
            "/api/marketplaces/ebay/",
            "/api/marketplaces/vinted/",
        ):
            assert any(path.startswith(prefix) for path in spec["paths"]), prefix
        assert httpx.get(f"{fleet.url('auth-service')}/readyz").status_code == 200
