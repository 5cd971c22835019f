from __future__ import annotations

import asyncio

import jwt
import sqlalchemy as sa
from auth_service.models import RefreshToken
from auth_service.security.secrets import digest


class TestLoginFlow:
    async def test_register_login_me_refresh_logout(self, flows) -> None:
        registered = await flows.register()
        tokens = await flows.login(registered["email"])
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 900
        header = jwt.get_unverified_header(tokens["access_token"])
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        assert header["alg"] == "RS256"
        assert header["kid"]
        assert claims["sub"] == registered["user_id"]
        assert claims["tid"] == registered["tenant_id"]
        assert claims["roles"] == ["owner"]
        assert claims["exp"] - int(claims["iat"]) == 900
        assert {"iss", "aud", "nbf", "jti", "scope"} <= claims.keys()

        me = await flows.client.get("/me", headers=flows.bearer(tokens))
        assert me.status_code == 200, me.text
        assert me.json()["tenants"] == [
            {"id": registered["tenant_id"], "name": me.json()["tenants"][0]["name"], "role": "owner"}
        ]

        refreshed = await flows.client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        new = refreshed.json()
        assert new["refresh_token"] != tokens["refresh_token"]
        assert (await flows.client.get("/me", headers=flows.bearer(new))).status_code == 200

        assert (
            await flows.client.post("/logout", json={"refresh_token": new["refresh_token"]})
        ).status_code == 204
        after = await flows.client.post("/refresh", json={"refresh_token": new["refresh_token"]})
        assert after.status_code == 401

    async def test_wrong_password_and_unknown_email_look_the_same(self, flows) -> None:
        registered = await flows.register()
        wrong = await flows.client.post("/login", json={"email": registered["email"], "password": "x" * 12})
        unknown = await flows.client.post("/login", json={"email": flows.email(), "password": "x" * 12})
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["type"] == unknown.json()["type"]

    async def test_refresh_token_is_stored_hashed(self, flows) -> None:
        _, tokens = await flows.new_user()
        async with flows.runtime.db.session() as session:
            row = (
                await session.execute(
                    sa.select(RefreshToken).where(RefreshToken.token_hash == digest(tokens["refresh_token"]))
                )
            ).scalar_one()
        assert row.status == "active"


class TestRefreshRotation:
    async def test_reuse_of_a_rotated_token_revokes_the_family(self, start) -> None:
        async with start(refresh_grace_s=0) as flows:
            _, tokens = await flows.new_user()
            first = await flows.client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
            assert first.status_code == 200
            reuse = await flows.client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
            assert reuse.status_code == 401
            assert reuse.json()["type"].endswith("/refresh-token-reused")
            # The legitimate successor dies with the family.
            successor = await flows.client.post(
                "/refresh", json={"refresh_token": first.json()["refresh_token"]}
            )
            assert successor.status_code == 401

    async def test_concurrent_double_refresh_yields_one_live_token_and_no_lockout(self, flows) -> None:
        _, tokens = await flows.new_user()
        body = {"refresh_token": tokens["refresh_token"]}
        a, b = await asyncio.gather(
            flows.client.post("/refresh", json=body), flows.client.post("/refresh", json=body)
        )
        statuses = sorted([a.status_code, b.status_code])
        assert statuses == [200, 409], (a.text, b.text)
        winner = a if a.status_code == 200 else b
        loser = b if winner is a else a
        assert loser.json()["type"].endswith("/refresh-in-progress")
        async with flows.runtime.db.session() as session:
            live = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(RefreshToken)
                    .where(RefreshToken.user_id == winner_user(tokens), RefreshToken.status == "active")
                )
            ).scalar_one()
        assert live == 1
        # Not locked out: the winner's token keeps working.
        again = await flows.client.post("/refresh", json={"refresh_token": winner.json()["refresh_token"]})
        assert again.status_code == 200

    async def test_five_concurrent_refreshes_one_winner(self, flows) -> None:
        _, tokens = await flows.new_user()
        body = {"refresh_token": tokens["refresh_token"]}
        responses = await asyncio.gather(*(flows.client.post("/refresh", json=body) for _ in range(5)))
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
        async with flows.runtime.db.session() as session:
            live = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(RefreshToken)
                    .where(RefreshToken.user_id == winner_user(tokens), RefreshToken.status == "active")
                )
            ).scalar_one()
        assert live == 1

    async def test_a_late_replay_after_the_grace_window_is_a_reuse(self, start) -> None:
        async with start(refresh_grace_s=0.2) as flows:
            _, tokens = await flows.new_user()
            body = {"refresh_token": tokens["refresh_token"]}
            assert (await flows.client.post("/refresh", json=body)).status_code == 200
            assert (await flows.client.post("/refresh", json=body)).status_code == 409
            await asyncio.sleep(0.3)
            assert (await flows.client.post("/refresh", json=body)).status_code == 401


def winner_user(tokens) -> object:
    import uuid

    return uuid.UUID(jwt.decode(tokens["access_token"], options={"verify_signature": False})["sub"])


class TestLogout:
    async def test_logout_all_revokes_every_session(self, flows) -> None:
        registered, one = await flows.new_user()
        two = await flows.login(registered["email"])
        assert (await flows.client.post("/logout-all", headers=flows.bearer(one))).status_code == 204
        for tokens in (one, two):
            response = await flows.client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
            assert response.status_code == 401

    async def test_logout_is_idempotent(self, flows) -> None:
        response = await flows.client.post("/logout", json={"refresh_token": "vrt_unknown"})
        assert response.status_code == 204
