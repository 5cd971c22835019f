"""``sandbox-vinted-plugin``: pair a demo seller through auth-service and stay connected to the relay, with a
``/healthz`` the local fleet waits on."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os

import httpx
import socketio
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from sandbox_vinted.plugin.client import PluginStandIn
from sandbox_vinted.plugin.state import Switches
from sandbox_vinted.plugin.tab import VintedTab

logger = logging.getLogger("sandbox_vinted.plugin")


async def pair_demo_seller(auth_url: str, email: str, password: str, device_name: str) -> str:
    """Register (or log in) a demo seller at auth-service, ask a pairing code, pair; returns the plugin token."""
    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as http:
        await http.post("/register", json={"email": email, "password": password, "tenant_name": "Demo shop"})
        login = await http.post("/login", json={"email": email, "password": password})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        code = (await http.post("/plugin/pairing-codes", headers=headers)).json()["code"]
        paired = await http.post("/plugin/pair", json={"code": code, "device_name": device_name})
        paired.raise_for_status()
        return str(paired.json()["access_token"])


def status_app(plugin: PluginStandIn) -> FastAPI:
    """``/healthz``: 200 once the plugin is connected to the relay (the fleet's readiness check), else 503."""
    app = FastAPI(title="sandbox-vinted-plugin")

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        up = plugin.sio.connected and plugin.connected.is_set()
        body = {"status": "connected" if up else "disconnected", "welcome": plugin.welcome}
        return JSONResponse(body, status_code=200 if up else 503)

    return app


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SANDBOX_VINTED_PLUGIN_{name}", default)


def main(argv: list[str] | None = None) -> int:
    """``sandbox-vinted-plugin``: pair a demo seller (or use --token) and stay connected to the relay."""
    parser = argparse.ArgumentParser(prog="sandbox-vinted-plugin", description=__doc__)
    # Defaults from SANDBOX_VINTED_PLUGIN_* so that the local fleet can point it at its own ports.
    parser.add_argument("--relay", default=_env("RELAY_URL", "http://127.0.0.1:8009"))
    parser.add_argument("--auth", default=_env("AUTH_URL", "http://127.0.0.1:8001"))
    parser.add_argument("--vinted", default=_env("VINTED_URL", "http://127.0.0.1:8023"))
    parser.add_argument("--vinted-token", default=_env("VINTED_TOKEN", "sandbox-vinted-demo-token"))
    parser.add_argument("--email", default=_env("EMAIL", "demo@example.com"))
    parser.add_argument("--password", default=_env("PASSWORD", "demo-password-123"))
    parser.add_argument(
        "--token", default=os.environ.get("SANDBOX_VINTED_PLUGIN_TOKEN"), help="a plugin token"
    )
    parser.add_argument("--port", type=int, default=int(_env("PORT", "8024")), help="/healthz; 0 = none")
    parser.add_argument("--disconnect-mid-job", action="append", default=[], metavar="KIND")
    parser.add_argument("--ack-delay", type=float, default=0.0)
    parser.add_argument("--duplicate-results", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def run() -> None:
        token = args.token
        for attempt in range(60):  # auth-service may still be starting in `make run`
            if token:
                break
            try:
                token = await pair_demo_seller(args.auth, args.email, args.password, "sandbox plugin")
            except (httpx.HTTPError, KeyError) as exc:
                logger.info("pairing not possible yet (%r), retry %d", exc, attempt)
                await asyncio.sleep(1)
        if not token:
            raise SystemExit("could not pair with auth-service")
        switches = Switches(
            set(args.disconnect_mid_job), ack_delay_s=args.ack_delay, duplicate_results=args.duplicate_results
        )
        plugin = PluginStandIn(
            args.relay, token, VintedTab(args.vinted, args.vinted_token), switches=switches
        )
        if args.port:
            import uvicorn

            config = uvicorn.Config(status_app(plugin), host="127.0.0.1", port=args.port, log_level="warning")
            plugin._spawn(uvicorn.Server(config).serve())
        for attempt in range(60):
            try:
                await plugin.start()
                break
            except (socketio.exceptions.ConnectionError, TimeoutError) as exc:
                logger.info("relay not reachable yet (%r), retry %d", exc, attempt)
                await asyncio.sleep(1)
        logger.info("connected to the relay: %s", plugin.welcome)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0
