from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from vitrine_kit.middleware import ForwardedHeadersMiddleware, TrustedProxies, public_base

GATEWAY = {
    "X-Forwarded-Prefix": "/api/kit",
    "X-Forwarded-Host": "vitrine.example",
    "X-Forwarded-Proto": "https",
}


def echo_app(trusted: str) -> FastAPI:
    app = FastAPI()

    @app.post("/things", status_code=201)
    async def create(request: Request, response: Response) -> dict[str, str]:
        response.headers["Location"] = "/things/1"
        return {"scheme": request.url.scheme, "self": public_base(request.scope).url("/things/1")}

    @app.get("/elsewhere")
    async def elsewhere(response: Response) -> dict[str, str]:
        response.headers["Location"] = "https://other.example/x"
        return {}

    app.add_middleware(ForwardedHeadersMiddleware, trusted=TrustedProxies.parse(trusted))
    return app


async def call(app: FastAPI, method: str, path: str, peer: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.request(method, path, headers=headers)


@pytest.mark.unit
class TestLocationBehindTheGateway:
    async def test_a_trusted_proxy_gets_the_public_url(self) -> None:
        response = await call(echo_app("10.0.0.0/8"), "POST", "/things", "10.1.2.3", GATEWAY)
        assert response.headers["location"] == "https://vitrine.example/api/kit/things/1"
        assert response.json() == {"scheme": "https", "self": "https://vitrine.example/api/kit/things/1"}

    async def test_the_prefix_alone_keeps_the_url_relative(self) -> None:
        headers = {"X-Forwarded-Prefix": "/api/kit/"}
        response = await call(echo_app("127.0.0.1"), "POST", "/things", "127.0.0.1", headers)
        assert response.headers["location"] == "/api/kit/things/1"

    async def test_an_untrusted_peer_cannot_move_the_location(self) -> None:
        response = await call(echo_app("10.0.0.0/8"), "POST", "/things", "203.0.113.9", GATEWAY)
        assert response.headers["location"] == "/things/1"
        assert response.json()["scheme"] == "http"

    async def test_malformed_values_are_ignored(self) -> None:
        headers = {"X-Forwarded-Prefix": "/api/<script>", "X-Forwarded-Host": "evil.example/path"}
        response = await call(echo_app("*"), "POST", "/things", "198.51.100.1", headers)
        assert response.headers["location"] == "/things/1"

    async def test_an_absolute_location_is_left_alone(self) -> None:
        response = await call(echo_app("*"), "GET", "/elsewhere", "10.0.0.1", GATEWAY)
        assert response.headers["location"] == "https://other.example/x"
