"""A revoked device's token, and a removed member's, are refused by every verifier within seconds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from vitrine_kit.auth.jwt import InvalidToken, JWKSCache, TokenVerifier
from vitrine_kit.auth.principal import TokenKind
from vitrine_kit.auth.revocation import RevocationList, http_revocation_fetcher


def fleet_verifier(flows) -> TokenVerifier:
    """A verifier as another service builds it: JWKS and revocations pulled from auth-service."""

    async def jwks() -> dict[str, Any]:
        return (await flows.client.get("/.well-known/jwks.json")).json()

    settings = flows.runtime.settings
    return TokenVerifier(
        JWKSCache(jwks, min_refetch_interval_s=0),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        revocations=RevocationList(
            http_revocation_fetcher("/internal/token-revocations", http=flows.client), refresh_s=0.5
        ),
    )


async def refused_within(verifier: TokenVerifier, token: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            await verifier.verify(token, kinds={TokenKind.PLUGIN, TokenKind.USER})
        except InvalidToken as exc:
            reason = str(exc)
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"still accepted after {seconds} s")
    assert "revoked" in reason
    return time.monotonic() - started


class TestRevocationReachesVerifiers:
    async def test_a_revoked_device_is_refused_by_another_services_verifier_within_seconds(
        self, flows
    ) -> None:
        _, tokens = await flows.new_user()
        plugin = await flows.pair(tokens)
        verifier = fleet_verifier(flows)
        principal = await verifier.verify(plugin["access_token"], kinds={TokenKind.PLUGIN})
        assert principal.kind is TokenKind.PLUGIN
        # A service built with the kit's defaults takes users and services, never a plugin.
        with pytest.raises(InvalidToken, match="plugin tokens are not accepted here"):
            await verifier.verify(plugin["access_token"], kinds={TokenKind.USER, TokenKind.SERVICE})
        revoked = await flows.client.delete(
            f"/plugin/devices/{plugin['device_id']}", headers=flows.bearer(tokens)
        )
        assert revoked.status_code == 204
        assert await refused_within(verifier, plugin["access_token"], 3.0) < 3.0

    async def test_removing_a_member_revokes_their_devices_and_their_access_tokens(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        guest, guest_tokens = await flows.invite_and_join(owner_tokens, "member")
        plugin = await flows.pair(guest_tokens)
        verifier = fleet_verifier(flows)
        await verifier.verify(guest_tokens["access_token"])
        removed = await flows.client.delete(
            f"/tenants/current/members/{guest['user_id']}", headers=flows.bearer(owner_tokens)
        )
        assert removed.status_code == 204
        await refused_within(verifier, plugin["access_token"], 3.0)
        await refused_within(verifier, guest_tokens["access_token"], 3.0)
        relay = flows.bearer(await flows.service_token())
        introspected = await flows.client.post(
            "/introspect", data={"token": plugin["access_token"]}, headers=relay
        )
        assert introspected.json() == {"active": False}
        devices = await flows.client.get("/plugin/devices", headers=flows.bearer(owner_tokens))
        assert devices.json()["items"][0]["revoked_at"] is not None

    async def test_only_the_relays_scope_may_introspect(self, flows) -> None:
        _, tokens = await flows.new_user()
        plugin = await flows.pair(tokens)
        other = flows.bearer(await flows.service_token(scopes=("media:read",)))
        refused = await flows.client.post(
            "/introspect", data={"token": plugin["access_token"]}, headers=other
        )
        assert refused.status_code == 403


class TestLogOutEverywhere:
    async def test_log_out_everywhere_revokes_the_access_tokens_already_given_out(self, flows) -> None:
        registered, here = await flows.new_user()
        there = await flows.login(registered["email"])  # the laptop left in a train
        verifier = fleet_verifier(flows)
        await verifier.verify(there["access_token"])
        assert (await flows.client.post("/logout-all", headers=flows.bearer(here))).status_code == 204
        for tokens in (there, here):
            await refused_within(verifier, tokens["access_token"], 3.0)
        again = await flows.login(registered["email"])  # a login after it works
        await verifier.verify(again["access_token"])


class TestLogOut:
    async def test_logging_out_one_session_revokes_its_access_tokens_and_no_other(self, flows) -> None:
        _, owner = await flows.new_user()
        guest, there = await flows.invite_and_join(owner, "member")  # a member of two seller accounts
        own_tenant = await flows.login(guest["email"], tenant_id=guest["tenant_id"])  # another session
        again_there = await flows.login(guest["email"], tenant_id=flows.claims(there)["tid"])
        # A refresh keeps the session: the same sid, the old access token still belongs to it.
        refreshed = await flows.client.post("/refresh", json={"refresh_token": there["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        rotated = refreshed.json()
        assert flows.claims(rotated)["sid"] == flows.claims(there)["sid"]
        verifier = fleet_verifier(flows)
        for tokens in (there, rotated, own_tenant, again_there):
            await verifier.verify(tokens["access_token"])

        logout = await flows.client.post("/logout", json={"refresh_token": rotated["refresh_token"]})
        assert logout.status_code == 204
        for tokens in (rotated, there):
            await refused_within(verifier, tokens["access_token"], 3.0)
        # Auth-service's own verifier (fed from its database) refuses it too.
        started = time.monotonic()
        while (await flows.client.get("/me", headers=flows.bearer(rotated))).status_code != 401:
            assert time.monotonic() - started < 3.0, "auth-service still accepts the logged-out token"
            await asyncio.sleep(0.1)
        # The user's other sessions, in the same seller account and in their own, stay open.
        for tokens in (own_tenant, again_there):
            await verifier.verify(tokens["access_token"])
            assert (await flows.client.get("/me", headers=flows.bearer(tokens))).status_code == 200
        assert (await flows.client.get("/me", headers=flows.bearer(owner))).status_code == 200
