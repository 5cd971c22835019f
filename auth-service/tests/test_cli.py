from __future__ import annotations

import sqlalchemy as sa
from auth_service.cli import main
from auth_service.models import ServiceClient, SigningKey


class TestCli:
    async def test_rotate_keys_and_create_client(self, flows, monkeypatch, capsys) -> None:
        import asyncio

        monkeypatch.setenv("AUTH_DATABASE_URL", flows.runtime.settings.database_url.get_secret_value())
        before = (await flows.client.get("/.well-known/jwks.json")).json()["keys"]
        assert await asyncio.to_thread(main, ["rotate-keys"]) == 0
        new_kid = capsys.readouterr().out.split()[-1]
        assert await asyncio.to_thread(main, ["create-client", "cli-made", "--scopes", "a", "b"]) == 0
        out = capsys.readouterr().out
        secret = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("client_secret="))
        async with flows.runtime.db.session() as session:
            assert (await session.get(SigningKey, new_kid)).status == "active"
            client = await session.get(ServiceClient, "cli-made")
            assert client.scopes == ["a", "b"]
            retiring = (
                (await session.execute(sa.select(SigningKey.kid).where(SigningKey.status == "retiring")))
                .scalars()
                .all()
            )
        assert {k["kid"] for k in before} & set(retiring)
        token = await flows.client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("cli-made", secret)
        )
        assert token.status_code == 200
