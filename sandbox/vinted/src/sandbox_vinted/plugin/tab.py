"""The seller's Vinted tab, as the extension's content script uses it: calls with cookies and the CSRF token,
each recorded (method, path, real HTTP status) for the job's result."""

from __future__ import annotations

import re
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import httpx
from vitrine_contracts.relay.v1 import JobError, VintedCall, VintedSession

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
