"""Each kind of token is accepted only where it is declared; revocations reach the verifier in seconds."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, Query, Request
from fixture_service.app import SERVICE_DIR
from fixture_service.app import router as fixture_router
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.deps import PluginPrincipal, TenantPrincipal, require_service_scope
from vitrine_kit.auth.jwt import InvalidToken
from vitrine_kit.auth.principal import Principal, TokenKind
from vitrine_kit.auth.revocation import (
    Revocation,
    RevocationList,
    RevocationPage,
    revocation_key,
    session_revocation_key,
)
from vitrine_kit.db.deps import runtime_of
from vitrine_kit.roles import Capability, needs, require
from vitrine_kit.settings import BaseServiceSettings
from vitrine_kit.testing.app import running_app
from vitrine_kit.testing.tokens import TestKeys

router = APIRouter()


@router.get("/mine")
async def mine(principal: TenantPrincipal) -> dict[str, str]:
    return {"tenant": str(principal.tenant)}


@router.post("/mine")
async def change_mine(principal: TenantPrincipal) -> dict[str, str]:
    return {"tenant": str(principal.tenant)}


@router.get("/export")
async def export(
    principal: Annotated[Principal, Depends(require(Capability.CATALOG_EXPORT))],
) -> dict[str, str]:
    return {"tenant": str(principal.tenant)}


@router.delete("/things/{name}", dependencies=needs(Capability.CATALOG_DELETE))
async def delete_thing(name: str) -> dict[str, str]:
    return {"deleted": name}


@router.get("/plugin")
async def plugin(principal: PluginPrincipal) -> dict[str, str]:
    return {"device": principal.subject}


@router.get("/internal/images")
async def internal_images(
    request: Request,
    tenant_id: Annotated[uuid.UUID, Query()],
    _: Annotated[Principal, Depends(require_service_scope("media:read"))],
) -> dict[str, str]:
    tenants = runtime_of(request).tenants
    assert tenants is not None
    return {"schema": await tenants.ensure(tenant_id)}


class MemoryRevocations:
    """auth-service's list, in memory."""

    def __init__(self) -> None:
        self.entries: list[Revocation] = []
        self.fail = False

    async def __call__(self, since: float) -> RevocationPage:
        if self.fail:
            raise ConnectionError("auth-service unreachable")
        return RevocationPage(list(self.entries), time.time())

    def revoke(self, kind: TokenKind, subject: str, tenant_id: uuid.UUID | None) -> None:
        now = time.time()
        self.entries.append(Revocation(revocation_key(kind, subject, tenant_id), now + 1, now + 3600))

    def revoke_session(self, sid: str) -> None:
        now = time.time()
        self.entries.append(Revocation(session_revocation_key(sid), now + 1, now + 3600))


@pytest.fixture
def build(make_settings: Callable[..., BaseServiceSettings], test_keys: TestKeys) -> Callable[..., Any]:
    def make(revocations: RevocationList | None = None) -> Any:
        return create_service_app(
            make_settings(),
            title="kinds",
            routers=[router, fixture_router],
            service_dir=SERVICE_DIR,
            verifier=test_keys.verifier(revocations=revocations),
        )

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestDefaults:
    async def test_a_plugin_token_is_refused_by_endpoints_built_with_the_kits_defaults(
        self, fixture_app: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        plugin = test_keys.issue(tenant_id=tenant_id, scope="plugin", roles=())
        user = test_keys.issue(tenant_id=tenant_id, scope="user")
        async with running_app(fixture_app()) as (client, _):
            refused = await client.get("/markers", headers=bearer(plugin))
            assert refused.status_code == 401
            assert "plugin tokens are not accepted here" in refused.json()["detail"]
            assert (
                await client.post("/markers", json={"label": "x"}, headers=bearer(plugin))
            ).status_code == 401
            assert (await client.get("/markers", headers=bearer(user))).status_code == 200

    async def test_a_plugin_token_under_the_user_audience_is_refused_everywhere(
        self, test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        # The plugin tokens of before: scope plugin, audience of users.
        old = test_keys.issue(tenant_id=tenant_id, scope="plugin", aud="vitrine")
        verifier = test_keys.verifier()
        for kinds in ({TokenKind.PLUGIN}, {TokenKind.USER}):
            with pytest.raises(InvalidToken, match="wrong audience"):
                await verifier.verify(old, kinds=kinds)
        # And a user token cannot pass for a plugin's by its audience alone.
        with pytest.raises(InvalidToken, match="wrong audience"):
            await verifier.verify(test_keys.issue(tenant_id=tenant_id, aud="vitrine-plugin"))

    async def test_each_dependency_takes_only_its_kind(
        self, build: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        plugin = test_keys.issue(tenant_id=tenant_id, scope="plugin", roles=())
        user = test_keys.issue(tenant_id=tenant_id, scope="user")
        service = test_keys.issue(scope="service media:read", roles=())
        async with running_app(build()) as (client, _):
            assert (await client.get("/plugin", headers=bearer(plugin))).status_code == 200
            assert (await client.get("/plugin", headers=bearer(user))).status_code == 401
            assert (await client.get("/mine", headers=bearer(service))).status_code == 403
            assert (await client.get("/mine", headers=bearer(user))).status_code == 200


class TestRoles:
    async def test_a_viewer_reads_but_changes_nothing_and_exports_need_the_capability(
        self, build: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        viewer = bearer(test_keys.issue(tenant_id=tenant_id, roles=["viewer"], scope="user"))
        member = bearer(test_keys.issue(tenant_id=tenant_id, roles=["member"], scope="user"))
        admin = bearer(test_keys.issue(tenant_id=tenant_id, roles=["admin"], scope="user"))
        async with running_app(build()) as (client, _):
            assert (await client.get("/mine", headers=viewer)).status_code == 200
            refused = await client.post("/mine", headers=viewer)
            assert refused.status_code == 403
            assert "read-only" in refused.json()["detail"]
            assert (await client.post("/mine", headers=member)).status_code == 200
            denied = await client.get("/export", headers=member)
            assert denied.status_code == 403
            assert denied.json()["type"].endswith("/capability-missing")
            assert (await client.get("/export", headers=admin)).status_code == 200
            assert (await client.delete("/things/a", headers=member)).status_code == 403
            assert (await client.delete("/things/a", headers=admin)).status_code == 200


class TestServiceTokens:
    async def test_scopes_are_per_endpoint_and_unknown_tenants_are_not_provisioned(
        self, build: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        reader = bearer(test_keys.issue(scope="service media:read", roles=()))
        other = bearer(test_keys.issue(scope="service billing:credits", roles=()))
        user = test_keys.issue(tenant_id=tenant_id, scope="user")
        async with running_app(build()) as (client, runtime):
            assert runtime.tenants is not None
            params = {"tenant_id": str(tenant_id)}
            assert (await client.get("/internal/images", params=params, headers=other)).status_code == 403
            unknown = await client.get("/internal/images", params=params, headers=reader)
            assert unknown.status_code == 404
            assert unknown.json()["type"].endswith("/tenant-not-found")
            assert not await runtime.tenants.exists(tenant_id)
            # A user of that tenant provisions it on first use, as before; then the service may read it.
            assert (await client.get("/markers", headers=bearer(user))).status_code == 200
            assert await runtime.tenants.exists(tenant_id)
            known = await client.get("/internal/images", params=params, headers=reader)
            assert known.status_code == 200


class TestRevocation:
    async def test_a_revoked_plugin_token_is_refused_within_seconds(
        self, build: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        device = str(uuid.uuid4())
        plugin = bearer(test_keys.issue(tenant_id=tenant_id, scope="plugin", roles=(), sub=device))
        source = MemoryRevocations()
        revocations = RevocationList(source, refresh_s=0.2)
        async with running_app(build(revocations)) as (client, _):
            assert (await client.get("/plugin", headers=plugin)).status_code == 200
            source.revoke(TokenKind.PLUGIN, device, tenant_id)
            started = time.monotonic()
            while (await client.get("/plugin", headers=plugin)).status_code == 200:
                assert time.monotonic() - started < 2.0, "the revocation did not reach the verifier"
                await asyncio.sleep(0.05)
            refused = await client.get("/plugin", headers=plugin)
            assert refused.status_code == 401
            assert "revoked" in refused.json()["detail"]

    async def test_a_removed_members_tokens_die_and_new_ones_live(
        self, test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        user = str(uuid.uuid4())
        source = MemoryRevocations()
        verifier = test_keys.verifier(revocations=RevocationList(source, refresh_s=0))
        old = test_keys.issue(sub=user, tenant_id=tenant_id, scope="user")
        source.revoke(TokenKind.USER, user, tenant_id)
        with pytest.raises(InvalidToken, match="revoked"):
            await verifier.verify(old)
        # The same user elsewhere, and a token issued after the revocation, are untouched.
        await verifier.verify(test_keys.issue(sub=user, tenant_id=uuid.uuid4(), scope="user"))
        await verifier.verify(
            test_keys.issue(sub=user, tenant_id=tenant_id, scope="user", iat=int(time.time()) + 2)
        )

    async def test_a_logged_out_sessions_tokens_are_refused_by_a_service_and_other_sessions_live(
        self, build: Callable[..., Any], test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        user, sid = str(uuid.uuid4()), str(uuid.uuid4())
        session = bearer(test_keys.issue(sub=user, tenant_id=tenant_id, scope="user", sid=sid))
        # The same session's token in another seller account of the user's (a session is one login; the
        # key names the session, whatever the tenant).
        elsewhere = test_keys.issue(sub=user, tenant_id=uuid.uuid4(), scope="user", sid=sid)
        other_session = bearer(
            test_keys.issue(sub=user, tenant_id=tenant_id, scope="user", sid=str(uuid.uuid4()))
        )
        no_session = bearer(test_keys.issue(sub=user, tenant_id=tenant_id, scope="user"))
        source = MemoryRevocations()
        revocations = RevocationList(source, refresh_s=0)
        async with running_app(build(revocations)) as (client, _):
            assert (await client.get("/mine", headers=session)).status_code == 200
            source.revoke_session(sid)
            refused = await client.get("/mine", headers=session)
            assert refused.status_code == 401
            assert "revoked" in refused.json()["detail"]
            with pytest.raises(InvalidToken, match="revoked"):
                await test_keys.verifier(revocations=revocations).verify(elsewhere)
            assert (await client.get("/mine", headers=other_session)).status_code == 200
            assert (await client.get("/mine", headers=no_session)).status_code == 200

    async def test_plugin_tokens_fail_closed_and_user_tokens_open_when_the_list_is_unreachable(
        self, test_keys: TestKeys, tenant_id: uuid.UUID
    ) -> None:
        source = MemoryRevocations()
        source.fail = True
        verifier = test_keys.verifier(revocations=RevocationList(source, refresh_s=0, max_stale_s=0))
        await verifier.verify(test_keys.issue(tenant_id=tenant_id, scope="user"))
        with pytest.raises(InvalidToken, match="revocation cannot be checked"):
            await verifier.verify(test_keys.issue(tenant_id=tenant_id, scope="plugin", roles=()))
