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


APP = "http://localhost:5173"  # an origin the gateway allows by default


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """name → value of each cookie the answer sets (kept by hand: Secure cookies do not travel over http)."""
    found: dict[str, str] = {}
    for line in response.headers.get_list("set-cookie"):
        name, _, rest = line.partition("=")
        found[name] = rest.split(";", 1)[0].strip('"')
    return found


class TestCookieSession:
    def test_cookie_login_then_a_csrf_protected_write_refresh_and_logout(self, api: httpx.Client) -> None:
        email, password = new_email(), "correct horse battery"
        assert api.post("/api/auth/register", json={"email": email, "password": password}).status_code == 201
        opened = api.post(
            "/api/auth/sessions", json={"email": email, "password": password}, headers={"Origin": APP}
        )
        assert opened.status_code == 200, opened.text
        assert "access_token" not in opened.json()
        lines = {line.split("=", 1)[0]: line.lower() for line in opened.headers.get_list("set-cookie")}
        assert "httponly" in lines["vitrine_access"]
        assert "httponly" in lines["vitrine_refresh"]
        assert "path=/api/auth/sessions" in lines["vitrine_refresh"]
        cookies = set_cookies(opened)
        api.cookies.clear()
        csrf = cookies["vitrine_csrf"]
        assert csrf == opened.json()["csrf_token"]
        session = {
            "Cookie": f"vitrine_access={cookies['vitrine_access']}; vitrine_csrf={csrf}",
            "Origin": APP,
        }

        me = api.get("/api/auth/me", headers={"Cookie": session["Cookie"]})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == email

        # A write with the cookie but without the CSRF token, or from another site, never reaches the service.
        write = {"language": "fr"}
        refused = api.patch("/api/auth/me/profile", json=write, headers=session)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/csrf-token-invalid")
        wrong = api.patch("/api/auth/me/profile", json=write, headers={**session, "X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
        elsewhere = api.patch(
            "/api/auth/me/profile",
            json=write,
            headers={**session, "X-CSRF-Token": csrf, "Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403
        assert elsewhere.json()["type"].endswith("/csrf-origin-refused")
        assert (
            api.get("/api/auth/me/profile", headers={"Cookie": session["Cookie"]}).json()["language"] == "en"
        )

        written = api.patch("/api/auth/me/profile", json=write, headers={**session, "X-CSRF-Token": csrf})
        assert written.status_code == 200, written.text
        assert written.json()["language"] == "fr"

        # Refresh through the refresh cookie (the access cookie may have expired by then).
        refresh = {
            "Cookie": f"vitrine_refresh={cookies['vitrine_refresh']}; vitrine_csrf={csrf}",
            "Origin": APP,
            "X-CSRF-Token": csrf,
        }
        refreshed = api.post("/api/auth/sessions/refresh", headers=refresh)
        assert refreshed.status_code == 200, refreshed.text
        renewed = set_cookies(refreshed)
        api.cookies.clear()
        assert renewed["vitrine_refresh"] != cookies["vitrine_refresh"]
        assert (
            api.get(
                "/api/auth/me", headers={"Cookie": f"vitrine_access={renewed['vitrine_access']}"}
            ).status_code
            == 200
        )

        # Logout clears the cookies; the session's refresh cookie is refused afterwards.
        current = {**refresh, "Cookie": f"vitrine_refresh={renewed['vitrine_refresh']}; vitrine_csrf={csrf}"}
        out = api.delete("/api/auth/sessions", headers=current)
        assert out.status_code == 204, out.text
        assert set(set_cookies(out)) == {"vitrine_access", "vitrine_refresh", "vitrine_csrf"}
        api.cookies.clear()
        assert api.post("/api/auth/sessions/refresh", headers=current).status_code == 401
