"""Who may connect: a valid plugin token whose device auth-service still knows as active."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import httpx
from vitrine_contracts.relay.v1 import PROTOCOL_VERSION, ConnectRefused, RefusalCode
from vitrine_kit.auth.jwt import InvalidToken, TokenVerifier
from vitrine_kit.auth.service_client import ServiceTokenClient

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The connection is refused; ``refusal`` is sent to the plugin as the connect_error data."""

    def __init__(self, code: RefusalCode, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.refusal = ConnectRefused(code=code, message=message, retry=retry)


@dataclass(frozen=True)
class PluginIdentity:
    tenant_id: uuid.UUID
    device_id: uuid.UUID


class PluginAuthenticator:
    """Verifies the token locally (JWKS), then its device's revocation at auth-service, cached briefly."""

    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        introspect_url: str | None,
        tokens: ServiceTokenClient | None,
        http: httpx.AsyncClient | None = None,
        cache_s: float = 10.0,
    ) -> None:
        self.verifier = verifier
        self.introspect_url = introspect_url
        self.tokens = tokens
        self.http = http or httpx.AsyncClient(timeout=3.0)
        self.cache_s = cache_s
        self._active: dict[str, float] = {}

    async def authenticate(self, auth: object) -> PluginIdentity:
        """The plugin behind a connect packet's ``auth``, or ``Refused`` with the reason."""
        if not isinstance(auth, dict) or not isinstance(auth.get("token"), str) or not auth["token"]:
            raise Refused("missing-token", "send auth: {token: <plugin token>}")
        if int(auth.get("protocol_version", PROTOCOL_VERSION)) != PROTOCOL_VERSION:
            raise Refused("protocol-unsupported", f"this relay speaks protocol {PROTOCOL_VERSION}")
        try:
            principal = await self.verifier.verify(auth["token"])
        except InvalidToken as exc:
            code: RefusalCode = "expired-token" if "expired" in str(exc) else "invalid-token"
            raise Refused(code, str(exc)) from exc
        if principal.kind != "plugin" or principal.tenant_id is None:
            raise Refused("wrong-scope", "a plugin token (scope 'plugin') is required")
        identity = PluginIdentity(principal.tenant_id, uuid.UUID(principal.subject))
        await self._check_active(auth["token"], identity)
        return identity

    async def _check_active(self, token: str, identity: PluginIdentity) -> None:
        if not self.introspect_url or self.tokens is None:
            return
        key = str(identity.device_id)
        if self._active.get(key, 0.0) > time.monotonic():
            return
        try:
            response = await self.http.post(
                self.introspect_url, data={"token": token}, headers=await self.tokens.headers()
            )
            response.raise_for_status()
            active = bool(response.json().get("active"))
        except (httpx.HTTPError, ValueError) as exc:
            raise Refused("auth-unavailable", "cannot check the device now; retry", retry=True) from exc
        if not active:
            raise Refused("revoked", "this device was revoked or expired; pair again")
        self._active[key] = time.monotonic() + self.cache_s

    async def still_active(self, token: str, identity: PluginIdentity) -> bool:
        """Ask again (cached ``cache_s``) whether the device is active, for a socket connected a while ago;
        auth-service away counts as active here (the socket already passed the check at connect)."""
        try:
            await self._check_active(token, identity)
        except Refused as refused:
            if refused.refusal.code == "revoked":
                return False
            logger.warning("cannot re-check a device now", extra={"device_id": str(identity.device_id)})
        return True

    def forget(self, device_id: uuid.UUID) -> None:
        """Drop the cached answer (on ``plugin.revoked``)."""
        self._active.pop(str(device_id), None)
