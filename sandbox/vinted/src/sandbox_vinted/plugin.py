"""A stand-in for the browser plugin: pairs, connects to relay-service and runs jobs against "Vinted".

It behaves as the protocol in ``contracts/relay/README.md`` asks a real extension to: hello, heartbeats,
acks, a journal of finished jobs (a redelivered job is answered from it), results resent until acked.
Switches simulate trouble: ``disconnect_mid_job`` (drop the socket after the job's write, before the
result), ``ack_delay_s`` (answer job.deliver late), ``duplicate_results`` (send every result twice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import socketio
from vitrine_contracts.relay.v1 import (
    NAMESPACE,
    PROTOCOL_VERSION,
    SOCKETIO_PATH,
    ConnectAuth,
    Heartbeat,
    Hello,
    JobAck,
    JobDeliver,
    JobError,
    JobKind,
    JobResult,
    VintedCall,
    VintedSession,
)

logger = logging.getLogger("sandbox_vinted.plugin")
# The calls of the job running in this task (jobs run concurrently, each in its own task).
CALLS: ContextVar[list[VintedCall]] = ContextVar("vinted_calls")
CSRF_RE = re.compile(r'CSRF_TOKEN\\?"\s*:\s*\\?"([0-9a-fA-F-]{36})')


class VintedFailure(Exception):
    """A Vinted call failed in a way the job reports (carries the protocol's ``JobError``)."""

    def __init__(self, error: JobError) -> None:
        super().__init__(error.message)
        self.error = error


class VintedTab:
    """What the extension's content script does in the seller's tab: calls with cookies and CSRF."""

    def __init__(self, base_url: str, access_token: str, domain: str = "www.vinted.fr") -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.domain = domain
        self.http = httpx.AsyncClient(
            base_url=self.base_url, timeout=15, cookies={"access_token_web": access_token}
        )
        self.csrf: str | None = None

    @property
    def calls(self) -> list[VintedCall]:
        try:
            return CALLS.get()
        except LookupError:
            CALLS.set([])
            return CALLS.get()

    async def session(self) -> VintedSession:
        try:
            body = await self.call("GET", "/users/current")
        except VintedFailure:
            return VintedSession(logged_in=False, domain=self.domain, checked_at=datetime.now(UTC))
        user = body["user"]
        return VintedSession(
            logged_in=True,
            user_id=user["id"],
            login=user["login"],
            domain=self.domain,
            checked_at=datetime.now(UTC),
        )

    async def _csrf(self) -> str:
        if self.csrf is None:
            page = await self.http.get("/items/new")
            match = CSRF_RE.search(page.text)
            if match is None:
                raise VintedFailure(
                    JobError(code="csrf", message="no CSRF token in /items/new", http_status=page.status_code)
                )
            self.csrf = match.group(1)
        return self.csrf

    async def call(
        self, method: str, path: str, *, json: Any = None, files: Any = None, write: bool = False
    ) -> Any:
        headers = {
            "Accept": "application/json, text/plain, */*",
            "Platform": "web",
            "X-Next-App": "marketplace-web",
        }
        if write:
            headers.update({"X-CSRF-Token": await self._csrf(), "X-Upload-Form": "true"})
            headers["X-Enable-Multiple-Size-Groups"] = "true"
        started = time.perf_counter()
        url = path if path.startswith("/shipping-estimation") else f"/api/v2{path}"
        try:
            response = await self.http.request(method, url, json=json, files=files, headers=headers)
        except httpx.HTTPError as exc:
            self.calls.append(VintedCall(method=method, path=path, status=None, duration_ms=0))
            raise VintedFailure(JobError(code="network", message=repr(exc))) from exc
        body: Any = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        code = body.get("code") if isinstance(body, dict) else None
        self.calls.append(
            VintedCall(
                method=method,
                path=path,
                status=response.status_code,
                duration_ms=int((time.perf_counter() - started) * 1000),
                error_code=code if response.status_code >= 400 else None,
            )
        )
        if response.status_code < 400:
            return body
        raise VintedFailure(self._error(response, body, code))

    @staticmethod
    def _error(response: httpx.Response, body: Any, code: int | None) -> JobError:
        status = response.status_code
        if status == 401:
            return JobError(code="session_expired", message="Vinted session expired", http_status=401)
        if status == 403 and "captcha-delivery" in response.text:
            return JobError(code="datadome", message="DataDome challenge", http_status=403)
        if status == 403:
            return JobError(code="csrf", message=f"access denied (code {code})", http_status=403)
        if status == 429:
            retry = float(response.headers.get("retry-after", "30"))
            return JobError(
                code="rate_limited", message="Vinted rate limit", http_status=429, retry_after_s=retry
            )
        if status == 404:
            return JobError(code="not_found", message="not found", http_status=404)
        if status == 400 and code == 99:
            fields = {e["field"]: str(e["value"]) for e in body.get("errors", [])}
            return JobError(code="validation", message="validation error", http_status=400, fields=fields)
        return JobError(code="plugin_error", message=f"HTTP {status}", http_status=status)


@dataclass
class Switches:
    """Trouble to simulate, set from tests or the command line."""

    disconnect_mid_job: set[str] = field(default_factory=set)  # job kinds; each triggers once per job id
    reconnect_after_s: float = 0.5
    ack_delay_s: float = 0.0
    duplicate_results: bool = False
    refuse_kinds: set[str] = field(default_factory=set)


class PluginStandIn:
    """One paired plugin: a Socket.IO client to the relay and a Vinted tab."""

    def __init__(
        self,
        relay_url: str,
        token: str,
        tab: VintedTab,
        *,
        switches: Switches | None = None,
        version: str = "sandbox-0.1",
    ) -> None:
        self.relay_url = relay_url
        self.token = token
        self.tab = tab
        self.switches = switches or Switches()
        self.version = version
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=2)
        self.journal: dict[uuid.UUID, JobResult] = {}
        self.unacked: dict[uuid.UUID, JobResult] = {}
        self.running: dict[uuid.UUID, asyncio.Task[None]] = {}
        self.delivered: list[JobDeliver] = []
        self.vinted_calls = 0
        self.welcome: dict[str, Any] | None = None
        self.refused: Any = None
        self.connected = asyncio.Event()
        self._interrupted: set[uuid.UUID] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._beating = False
        self.photos_http: httpx.AsyncClient | None = None  # tests fetch photos from an in-process app
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("connect_error", self._on_connect_error, namespace=NAMESPACE)
        self.sio.on("job.deliver", self._on_job, namespace=NAMESPACE)

    async def start(self, timeout: float = 10.0) -> None:
        auth = ConnectAuth(token=self.token, protocol_version=PROTOCOL_VERSION).model_dump()
        await self.sio.connect(
            self.relay_url,
            namespaces=[NAMESPACE],
            auth=auth,
            transports=["websocket"],
            socketio_path=SOCKETIO_PATH,
            wait_timeout=timeout,
        )
        await asyncio.wait_for(self.connected.wait(), timeout)
        if not self._beating:
            self._beating = True
            self._spawn(self._heartbeats())

    async def stop(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        await self.sio.disconnect()
        await self.tab.http.aclose()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _on_connect(self) -> None:
        self._spawn(self._hello())

    async def _hello(self) -> None:
        hello = Hello(
            plugin_version=self.version,
            capabilities=[k.value for k in JobKind],
            vinted=await self.tab.session(),
        )
        self.welcome = await self.sio.call(
            "plugin.hello", hello.model_dump(mode="json"), namespace=NAMESPACE, timeout=10
        )
        self.connected.set()
        for result in list(self.unacked.values()):  # results the last connection never acked
            self._spawn(self._send_result(result))

    async def _on_disconnect(self, *_: Any) -> None:
        self.connected.clear()

    async def _on_connect_error(self, data: Any) -> None:
        self.refused = data.get("data", data) if isinstance(data, dict) else data
        logger.warning("relay refused the connection: %s", data)

    async def _heartbeats(self) -> None:
        while True:
            interval = float((self.welcome or {}).get("heartbeat_interval_s", 15))
            await asyncio.sleep(interval)
            if self.sio.connected and self.connected.is_set():
                beat = Heartbeat(sent_at=datetime.now(UTC), in_flight=list(self.running))
                with contextlib.suppress(Exception):
                    await self.sio.call(
                        "plugin.heartbeat", beat.model_dump(mode="json"), namespace=NAMESPACE, timeout=5
                    )

    async def _on_job(self, data: dict[str, Any]) -> dict[str, Any]:
        job = JobDeliver.model_validate(data)
        self.delivered.append(job)
        if self.switches.ack_delay_s:
            await asyncio.sleep(self.switches.ack_delay_s)
        if job.kind.value in self.switches.refuse_kinds:
            return JobAck(job_id=job.job_id, accepted=False, reason="unsupported").model_dump(mode="json")
        if job.job_id in self.journal:  # ran before: answer from the journal, never call Vinted again
            replay = self.journal[job.job_id].model_copy(update={"replayed": True})
            self._spawn(self._send_result(replay))
        elif job.job_id not in self.running:
            self.running[job.job_id] = self._spawn(self._run(job))
        return JobAck(job_id=job.job_id, accepted=True).model_dump(mode="json")

    async def _run(self, job: JobDeliver) -> None:
        CALLS.set([])
        try:
            data = await self._execute(job)
            result = JobResult(
                job_id=job.job_id,
                outcome="succeeded",
                calls=self.tab.calls,
                data=data,
                finished_at=datetime.now(UTC),
            )
        except VintedFailure as failure:
            result = JobResult(
                job_id=job.job_id,
                outcome="failed",
                calls=self.tab.calls,
                error=failure.error,
                finished_at=datetime.now(UTC),
            )
        except Exception as exc:
            logger.exception("job crashed")
            result = JobResult(
                job_id=job.job_id,
                outcome="failed",
                calls=self.tab.calls,
                error=JobError(code="plugin_error", message=repr(exc)),
                finished_at=datetime.now(UTC),
            )
        self.vinted_calls += len(result.calls)
        self.journal[job.job_id] = result
        self.running.pop(job.job_id, None)
        if job.kind.value in self.switches.disconnect_mid_job and job.job_id not in self._interrupted:
            self._interrupted.add(job.job_id)
            self.unacked[job.job_id] = result
            await self._bounce()
            return
        await self._send_result(result)
        if self.switches.duplicate_results:
            await self._send_result(result)

    async def _bounce(self) -> None:
        """Drop the socket with the result unsent, and come back (as a tab reload would)."""
        await self.sio.disconnect()
        await asyncio.sleep(self.switches.reconnect_after_s)
        self.connected.clear()
        await self.start()

    async def _send_result(self, result: JobResult) -> None:
        self.unacked[result.job_id] = result
        for _ in range(30):
            if self._closing:
                return
            if self.sio.connected and self.connected.is_set():
                try:
                    await self.sio.call(
                        "job.result", result.model_dump(mode="json"), namespace=NAMESPACE, timeout=10
                    )
                    self.unacked.pop(result.job_id, None)
                    return
                except Exception:
                    logger.info("result not acked yet; will resend", extra={"job_id": str(result.job_id)})
            await asyncio.sleep(0.5)

    async def _execute(self, job: JobDeliver) -> dict[str, Any]:
        p, tab = job.params, self.tab
        if job.kind is JobKind.PUBLISH:
            temp_uuid = str(uuid.uuid4())
            photo_ids = await self._upload_photos(p["photos"], temp_uuid)
            item = dict(
                p["item"],
                temp_uuid=temp_uuid,
                assigned_photos=[{"id": i, "orientation": 0} for i in photo_ids],
            )
            body = {
                "item": item,
                "feedback_id": None,
                "push_up": False,
                "parcel": None,
                "upload_session_id": temp_uuid,
            }
            created = await tab.call("POST", "/item_upload/items", json=body, write=True)
            return {
                "item_id": created["item"]["id"],
                "url": created["item"].get("url"),
                "photo_ids": photo_ids,
            }
        if job.kind is JobKind.UPDATE:
            item = dict(p["item"], id=p["item_id"])
            if p.get("photos"):
                temp_uuid = str(uuid.uuid4())
                ids = await self._upload_photos(p["photos"], temp_uuid)
                item["assigned_photos"] = [{"id": i, "orientation": 0} for i in ids]
            else:
                current = await tab.call("GET", f"/item_upload/items/{p['item_id']}")
                item.setdefault("assigned_photos", current["item"].get("assigned_photos"))
            await tab.call("PUT", f"/item_upload/items/{p['item_id']}", json={"item": item}, write=True)
            return {"item_id": p["item_id"]}
        if job.kind is JobKind.DELIST:
            try:
                await tab.call("POST", f"/items/{p['item_id']}/delete", write=True)
            except VintedFailure as failure:
                if failure.error.code == "not_found":
                    return {"item_id": p["item_id"], "already_gone": True}
                raise
            return {"item_id": p["item_id"], "already_gone": False}
        if job.kind is JobKind.SYNC_WARDROBE:
            return await self._wardrobe(p)
        if job.kind is JobKind.SYNC_SALES:
            return await self._sales(p)
        if job.kind is JobKind.FETCH_ITEM:
            return dict(await tab.call("GET", f"/item_upload/items/{p['item_id']}"))
        return dict(await tab.call("GET", self._reference_path(p)))

    async def _upload_photos(self, photos: list[dict[str, Any]], temp_uuid: str) -> list[int]:
        ids = []
        async with contextlib.AsyncExitStack() as stack:
            fetcher = self.photos_http
            if fetcher is None:
                fetcher = await stack.enter_async_context(httpx.AsyncClient(timeout=15))
            for photo in photos:
                image = (await fetcher.get(photo["url"])).content
                files = {
                    "photo[type]": (None, "item"),
                    "photo[temp_uuid]": (None, temp_uuid),
                    "photo[file]": ("photo.jpg", image, "image/jpeg"),
                }
                ids.append(int((await self.tab.call("POST", "/photos", files=files, write=True))["id"]))
        return ids

    async def _wardrobe(self, p: dict[str, Any]) -> dict[str, Any]:
        session = await self.tab.session()
        if not session.logged_in:
            raise VintedFailure(JobError(code="session_expired", message="not logged in", http_status=401))
        items: list[dict[str, Any]] = []
        per_page, page = int(p.get("per_page", 96)), 1
        while True:
            body = await self.tab.call(
                "GET", f"/wardrobe/{session.user_id}/items?page={page}&per_page={per_page}&order=relevance"
            )
            items.extend(body["items"])
            if len(body["items"]) < per_page:
                break
            page += 1
        seen = {i["id"] for i in items}
        missing = []
        for item_id in p.get("known_item_ids", []):
            if item_id not in seen:
                try:
                    missing.append((await self.tab.call("GET", f"/items/{item_id}"))["item"])
                except VintedFailure as failure:
                    if failure.error.code != "not_found":
                        raise
                    missing.append({"id": item_id, "is_closed": True, "item_closing_action": "deleted"})
        return {"items": [_wardrobe_item(i) for i in items], "missing": [_wardrobe_item(i) for i in missing]}

    async def _sales(self, p: dict[str, Any]) -> dict[str, Any]:
        orders = []
        for page in range(1, int(p.get("max_pages", 5)) + 1):
            body = await self.tab.call(
                "GET",
                f"/my_orders?type=sold&status={p.get('status', 'all')}&page={page}&per_page={p.get('per_page', 100)}",
            )
            for o in body["my_orders"]:
                orders.append(
                    {
                        "transaction_id": o["transaction_id"],
                        "item_id": o["item_id"],
                        "title": o.get("title"),
                        "price": o["price"]["amount"],
                        "currency": o["price"]["currency_code"],
                        "status": o.get("status"),
                        "buyer": (o.get("buyer") or {}).get("login"),
                        "date": o.get("date"),
                    }
                )
            if len(body["my_orders"]) < int(p.get("per_page", 100)):
                break
        return {"orders": orders}

    @staticmethod
    def _reference_path(p: dict[str, Any]) -> str:
        what, catalog_id = p["what"], p.get("catalog_id")
        return {
            "catalogs": "/item_upload/catalogs",
            "brands": f"/item_upload/brands?keyword={p.get('keyword') or ''}&category_id={catalog_id or ''}",
            "colors": "/item_upload/colors",
            "conditions": f"/item_upload/conditions?catalog_id={catalog_id or ''}",
            "size_groups": f"/size_groups?catalog_ids={catalog_id or ''}",
            "package_sizes": f"/shipping-estimation/external/catalogs/{catalog_id}/package_sizes",
        }[what]


def _wardrobe_item(item: dict[str, Any]) -> dict[str, Any]:
    price = item.get("price")
    return {
        "id": item["id"],
        "title": item.get("title"),
        "price": str(price["amount"] if isinstance(price, dict) else price) if price is not None else None,
        "currency": item.get("currency"),
        "is_closed": bool(item.get("is_closed")),
        "is_hidden": bool(item.get("is_hidden")),
        "is_reserved": bool(item.get("is_reserved")),
        "item_closing_action": item.get("item_closing_action"),
        "url": item.get("url"),
    }


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


def status_app(plugin: PluginStandIn) -> Any:
    """``/healthz``: 200 once the plugin is connected to the relay (the fleet's readiness check), else 503."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

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
        assert token, "could not pair with auth-service"
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
