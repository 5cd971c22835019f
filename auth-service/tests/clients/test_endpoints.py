from __future__ import annotations

import jwt
from auth_service.clients.service import client_service


async def new_client(flows, scopes) -> tuple[str, str]:
    name = f"svc-{flows.email()[7:17]}"
    async with flows.runtime.db.session() as session, session.begin():
        return name, await client_service.create(session, name, scopes)


class TestClientCredentials:
    async def test_basic_auth_grant_issues_a_short_service_token(self, flows) -> None:
        name, secret = await new_client(flows, ["billing.reserve", "media.read"])
        response = await flows.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "media.read"},
            auth=(name, secret),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["expires_in"] == 300
        assert body["scope"] == "service media.read"
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == name
        assert "tid" not in claims
        principal = await flows.runtime.verifier.verify(body["access_token"])
        assert principal.kind == "service"

    async def test_form_credentials_and_default_scopes(self, flows) -> None:
        name, secret = await new_client(flows, ["a", "b"])
        response = await flows.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": name, "client_secret": secret},
        )
        assert response.json()["scope"] == "service a b"

    async def test_wrong_secret_unknown_client_and_disallowed_scope(self, flows) -> None:
        name, secret = await new_client(flows, ["a"])
        grant = {"grant_type": "client_credentials"}
        assert (await flows.client.post("/oauth/token", data=grant, auth=(name, "wrong"))).status_code == 401
        assert (
            await flows.client.post("/oauth/token", data=grant, auth=("nobody", secret))
        ).status_code == 401
        scoped = await flows.client.post("/oauth/token", data=grant | {"scope": "admin"}, auth=(name, secret))
        assert scoped.status_code == 400
        assert scoped.json()["error"] == "invalid_scope"
        bad_grant = await flows.client.post(
            "/oauth/token", data={"grant_type": "password"}, auth=(name, secret)
        )
        assert bad_grant.status_code == 400

    async def test_seeded_clients_from_settings(self, start) -> None:
        clients = [{"client_id": "seeded-relay", "client_secret": "s3cret-for-local-runs", "scopes": ["x"]}]
        async with start(service_clients=clients) as flows:
            response = await flows.client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=("seeded-relay", "s3cret-for-local-runs"),
            )
            assert response.status_code == 200

    async def test_the_kits_service_token_client_works_against_it(self, flows) -> None:
        from pydantic import SecretStr
        from vitrine_kit.auth.service_client import ServiceTokenClient

        name, secret = await new_client(flows, ["media.read"])
        client = ServiceTokenClient(
            "http://testserver/oauth/token", name, SecretStr(secret), http=flows.client
        )
        headers = await client.headers()
        principal = await flows.runtime.verifier.verify(headers["Authorization"].split()[1])
        assert principal.has_scope("service")
        assert principal.has_scope("media.read")
