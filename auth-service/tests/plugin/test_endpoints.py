from __future__ import annotations

from datetime import timedelta

import jwt
import sqlalchemy as sa
from auth_service.models import PairingCode
from vitrine_kit.db.base import utcnow


async def service_token(flows, scopes=("plugin:introspect",)) -> str:
    from auth_service.clients.service import client_service

    name = f"relay-{flows.email()[7:17]}"
    async with flows.runtime.db.session() as session, session.begin():
        secret = await client_service.create(session, name, list(scopes))
    response = await flows.client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(name, secret)
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class TestPairing:
    async def test_pair_introspect_revoke(self, flows) -> None:
        registered, tokens = await flows.new_user()
        created = await flows.client.post("/plugin/pairing-codes", headers=flows.bearer(tokens))
        assert created.status_code == 201
        code = created.json()["code"]
        assert len(code) == 8
        assert code == code.upper()
        assert not set(code) & set("01OIL")
        paired = await flows.client.post(
            "/plugin/pair", json={"code": code.lower(), "device_name": "Chrome on Mac"}
        )
        assert paired.status_code == 200, paired.text
        plugin = paired.json()
        claims = jwt.decode(plugin["access_token"], options={"verify_signature": False})
        assert claims["scope"] == "plugin"
        assert claims["aud"] == "vitrine-plugin"
        assert claims["tid"] == registered["tenant_id"]
        assert claims["sub"] == plugin["device_id"]
        # Single use.
        again = await flows.client.post("/plugin/pair", json={"code": code, "device_name": "again"})
        assert again.status_code == 400

        devices = await flows.client.get("/plugin/devices", headers=flows.bearer(tokens))
        assert [d["id"] for d in devices.json()["items"]] == [plugin["device_id"]]

        relay = flows.bearer(await service_token(flows))
        active = await flows.client.post("/introspect", data={"token": plugin["access_token"]}, headers=relay)
        assert active.json()["active"] is True
        assert active.json()["kind"] == "plugin"
        status = await flows.client.get(f"/plugin/devices/{plugin['device_id']}/status", headers=relay)
        assert status.json()["active"] is True

        revoked = await flows.client.delete(
            f"/plugin/devices/{plugin['device_id']}", headers=flows.bearer(tokens)
        )
        assert revoked.status_code == 204
        refused = await flows.client.post(
            "/introspect", data={"token": plugin["access_token"]}, headers=relay
        )
        assert refused.json() == {"active": False}
        status = await flows.client.get(f"/plugin/devices/{plugin['device_id']}/status", headers=relay)
        assert status.json()["active"] is False
        log = await flows.client.get("/tenants/current/audit-log", headers=flows.bearer(tokens))
        assert [e["action"] for e in log.json()["items"]] == ["plugin.revoked", "plugin.paired"]

    async def test_expired_code_is_refused(self, flows) -> None:
        _, tokens = await flows.new_user()
        code = (await flows.client.post("/plugin/pairing-codes", headers=flows.bearer(tokens))).json()["code"]
        async with flows.runtime.db.session() as session, session.begin():
            await session.execute(sa.update(PairingCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        response = await flows.client.post("/plugin/pair", json={"code": code, "device_name": "late"})
        assert response.status_code == 400

    async def test_plugin_token_cannot_act_as_a_user_and_user_token_cannot_introspect(self, flows) -> None:
        _, tokens = await flows.new_user()
        code = (await flows.client.post("/plugin/pairing-codes", headers=flows.bearer(tokens))).json()["code"]
        plugin = (await flows.client.post("/plugin/pair", json={"code": code, "device_name": "x"})).json()
        assert (
            await flows.client.get("/me", headers=flows.bearer(plugin["access_token"]))
        ).status_code == 401
        introspect = await flows.client.post("/introspect", data={"token": "x"}, headers=flows.bearer(tokens))
        assert introspect.status_code == 403
