"""Service tokens: the client-credentials grant at auth-service, cached until shortly before expiry."""

from __future__ import annotations

import asyncio
import time

import httpx
from pydantic import SecretStr

from vitrine_kit.db.held import check_outbound


class ServiceTokenClient:
    """Gets and caches a short-lived service token for calls to other services."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        scope: str = "",
        http: httpx.AsyncClient | None = None,
        refresh_margin_s: float = 30.0,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.http = http or httpx.AsyncClient(timeout=5.0)
        self.refresh_margin_s = refresh_margin_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A valid service token (fetched when missing or about to expire)."""
        if self._token and time.monotonic() < self._expires_at - self.refresh_margin_s:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires_at - self.refresh_margin_s:
                return self._token
            check_outbound("auth-service")
            response = await self.http.post(
                self.token_url,
                data={"grant_type": "client_credentials", "scope": self.scope},
                auth=(self.client_id, self.client_secret.get_secret_value()),
            )
            response.raise_for_status()
            body = response.json()
            self._token = str(body["access_token"])
            self._expires_at = time.monotonic() + float(body.get("expires_in", 300))
            return self._token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token()}"}
