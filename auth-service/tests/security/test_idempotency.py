"""``Idempotency-Key`` on register and login: same key and body → the stored answer; other body → 422."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import sqlalchemy as sa
from auth_service.models import RefreshToken, User
from auth_service.security.idempotency import owner_of
from vitrine_kit.idempotency import IdempotencyKey

PASSWORD = "correct horse battery staple"


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def users_named(flows: Any, email: str) -> int:
    async with flows.runtime.db.session() as session:
        return int(
            await session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == email)) or 0
        )


async def families(flows: Any, email: str) -> int:
    async with flows.runtime.db.session() as session:
        user = await session.scalar(sa.select(User.id).where(User.email == email))
        count = sa.select(sa.func.count(sa.distinct(RefreshToken.family_id))).where(
            RefreshToken.user_id == user
        )
        return int(await session.scalar(count) or 0)


class TestRegister:
    async def test_a_retried_register_replays_and_mails_once(self, flows) -> None:
        email, key = flows.email(), str(uuid.uuid4())
        body = {"email": email, "password": PASSWORD}
        first = await flows.client.post("/register", json=body, headers=keyed(key))
        again = await flows.client.post("/register", json=body, headers=keyed(key))
        assert first.status_code == again.status_code == 201, first.text
        assert again.json() == first.json()
        assert again.headers["idempotency-replayed"] == "true"
        assert "idempotency-replayed" not in first.headers
        assert await users_named(flows, email) == 1
        assert [m.kind for m in flows.mailer.sent if m.to == email] == ["verify_email"]

    async def test_the_same_key_with_another_body_is_a_422_naming_it(self, flows) -> None:
        email, key = flows.email(), str(uuid.uuid4())
        assert (
            await flows.client.post(
                "/register", json={"email": email, "password": PASSWORD}, headers=keyed(key)
            )
        ).status_code == 201
        other = await flows.client.post(
            "/register", json={"email": email, "password": PASSWORD + "!"}, headers=keyed(key)
        )
        assert other.status_code == 422, other.text
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["type"].endswith("/idempotency-key-reused")
        assert other.json()["key"] == key

    async def test_keys_belong_to_one_email(self, flows) -> None:
        key = str(uuid.uuid4())
        one, two = flows.email(), flows.email()
        for email in (one, two):
            answer = await flows.client.post(
                "/register", json={"email": email, "password": PASSWORD}, headers=keyed(key)
            )
            assert answer.status_code == 201
            assert "idempotency-replayed" not in answer.headers
        assert await users_named(flows, one) == await users_named(flows, two) == 1

    async def test_concurrent_retries_make_one_account(self, flows) -> None:
        email, key = flows.email(), str(uuid.uuid4())
        body = {"email": email, "password": PASSWORD}
        answers = await asyncio.gather(
            *(flows.client.post("/register", json=body, headers=keyed(key)) for _ in range(3))
        )
        assert {a.status_code for a in answers} <= {201, 409}
        assert 201 in {a.status_code for a in answers}
        assert await users_named(flows, email) == 1

    async def test_a_malformed_key_is_a_422_naming_the_header(self, flows) -> None:
        answer = await flows.client.post(
            "/register", json={"email": flows.email(), "password": PASSWORD}, headers=keyed("a b")
        )
        assert answer.status_code == 422
        assert any("idempotency-key" in e["field"].lower() for e in answer.json()["errors"]), answer.json()


class TestLogin:
    async def test_a_retried_login_gets_the_same_pair_and_opens_one_session(self, flows) -> None:
        registered = await flows.register()
        email, key = registered["email"], str(uuid.uuid4())
        body = {"email": email, "password": flows.PASSWORD}
        first = await flows.client.post("/login", json=body, headers=keyed(key))
        again = await flows.client.post("/login", json=body, headers=keyed(key))
        assert first.status_code == again.status_code == 200, first.text
        assert again.json() == first.json()
        assert again.headers["idempotency-replayed"] == "true"
        assert await families(flows, email) == 1
        # The pair is stored sealed: the refresh token is nowhere in the table in clear.
        async with flows.runtime.db.session() as session:
            stored = await session.get(IdempotencyKey, (owner_of(email), key))
        assert stored is not None
        assert first.json()["refresh_token"].encode() not in stored.body

    async def test_a_failed_login_stores_nothing(self, flows) -> None:
        registered = await flows.register()
        email, key = registered["email"], str(uuid.uuid4())
        wrong = await flows.client.post(
            "/login", json={"email": email, "password": "wrong password!"}, headers=keyed(key)
        )
        assert wrong.status_code == 401
        right = await flows.client.post(
            "/login", json={"email": email, "password": flows.PASSWORD}, headers=keyed(key)
        )
        assert right.status_code == 200, right.text
        assert "idempotency-replayed" not in right.headers

    async def test_the_wrong_password_with_a_used_key_gets_no_tokens(self, flows) -> None:
        registered = await flows.register()
        email, key = registered["email"], str(uuid.uuid4())
        ok = await flows.client.post(
            "/login", json={"email": email, "password": flows.PASSWORD}, headers=keyed(key)
        )
        assert ok.status_code == 200
        guess = await flows.client.post(
            "/login", json={"email": email, "password": "not the password"}, headers=keyed(key)
        )
        assert guess.status_code == 422
        assert "access_token" not in guess.text

    async def test_without_a_key_each_login_opens_a_session(self, flows) -> None:
        registered = await flows.register()
        for _ in range(2):
            await flows.login(registered["email"])
        assert await families(flows, registered["email"]) == 2
