"""Service clients: the client-credentials grant, creation, seeding, and token introspection."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.jwt import InvalidToken as BadJwt
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.auth.principal import Principal

from auth_service.accounts import repository as accounts_repo
from auth_service.clients.schemas import IntrospectionOut, ServiceTokenOut
from auth_service.errors import InvalidClient, InvalidScope
from auth_service.models import ServiceClient
from auth_service.plugin.service import plugin_service
from auth_service.security.secrets import digest, new_token

if TYPE_CHECKING:
    from auth_service.context import AuthContext

logger = logging.getLogger(__name__)


def client_credentials(authorization: str | None, form: Mapping[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic (preferred, RFC 6749 §2.3.1) or the form body."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidClient(error="invalid_client") from exc
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise InvalidClient(error="invalid_client")
        return unquote_plus(client_id), unquote_plus(secret)
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if not form_id or not form_secret:
        raise InvalidClient("Client credentials are required.", error="invalid_client")
    return form_id, form_secret


class ClientService:
    async def token(
        self, session: AsyncSession, auth: AuthContext, *, client_id: str, secret: str, scope: str | None
    ) -> ServiceTokenOut:
        """A short-lived service token, no tenant: ``service`` (its kind, no permission) plus the requested
        scopes, each one the client is allowed (all of them when none is asked for)."""
        client = await session.get(ServiceClient, client_id)
        # Compare against a dummy when the client is unknown: same work either way.
        expected = client.secret_hash if client is not None else digest("unknown-client")
        if not hmac.compare_digest(expected, digest(secret)) or client is None or client.disabled_at:
            raise InvalidClient(error="invalid_client")
        requested = set((scope or "").split()) - {"service"}
        if not requested <= set(client.scopes):
            raise InvalidScope(
                f"Not allowed: {', '.join(sorted(requested - set(client.scopes)))}.", error="invalid_scope"
            )
        granted = " ".join(["service", *sorted(requested or client.scopes)])
        ttl = auth.settings.service_token_ttl_s
        token, _ = await auth.keys.sign({"sub": client.client_id, "scope": granted, "roles": []}, ttl)
        return ServiceTokenOut(access_token=token, expires_in=ttl, scope=granted)

    async def create(self, session: AsyncSession, client_id: str, scopes: Sequence[str]) -> str:
        """Create a client (or replace its secret); returns the secret, shown once."""
        secret = "vsc_" + new_token(32)
        await self.upsert(session, client_id, secret, scopes)
        return secret

    async def upsert(self, session: AsyncSession, client_id: str, secret: str, scopes: Sequence[str]) -> None:
        await session.execute(
            insert(ServiceClient)
            .values(client_id=client_id, secret_hash=digest(secret), scopes=list(scopes))
            .on_conflict_do_update(
                index_elements=[ServiceClient.client_id],
                set_={"secret_hash": digest(secret), "scopes": list(scopes), "disabled_at": None},
            )
        )

    async def seed(
        self,
        session: AsyncSession,
        clients: Sequence[Mapping[str, Any]],
        default_scopes: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Create the clients listed in settings (local runs); one listed without scopes gets its default."""
        for entry in clients:
            client_id = str(entry["client_id"])
            scopes = list(entry.get("scopes") or (default_scopes or {}).get(client_id, []))
            await self.upsert(session, client_id, str(entry["client_secret"]), scopes)
        if clients:
            logger.info("service clients seeded", extra={"clients": [c["client_id"] for c in clients]})

    async def introspect(
        self, session: AsyncSession, verifier: TokenVerifier, token: str
    ) -> IntrospectionOut:
        """RFC 7662: is this token usable now? Plugin tokens also need a device that is not revoked."""
        try:
            claims = await verifier.verify_claims(token)
        except BadJwt:
            return IntrospectionOut.inactive()
        principal = Principal.from_claims(claims)
        if principal.kind == "plugin":
            device = await plugin_service.is_active(session, uuid.UUID(principal.subject))
            if device is None or device.tenant_id != principal.tenant_id:
                return IntrospectionOut.inactive()
        elif principal.kind == "user" and await accounts_repo.user_by_id(session, principal.user_id) is None:
            return IntrospectionOut.inactive()
        return IntrospectionOut.of(claims, principal.kind)

    async def disable(self, session: AsyncSession, client_id: str) -> None:
        await session.execute(
            sa.update(ServiceClient)
            .where(ServiceClient.client_id == client_id)
            .values(disabled_at=sa.func.now())
        )


client_service = ClientService()
