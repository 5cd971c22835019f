from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import aio_pika
import sqlalchemy as sa
from auth_service.models import OneTimeToken, TenantAccount, User
from vitrine_kit.db.base import utcnow
from vitrine_kit.db.models import OutboxMessage

PASSWORD = "correct horse battery"


async def outbox_rows(flows, tenant_id: str) -> list[OutboxMessage]:
    async with flows.runtime.db.session() as session:
        rows = await session.execute(
            sa.select(OutboxMessage)
            .where(OutboxMessage.body["tenant_id"].astext == tenant_id)
            .order_by(OutboxMessage.seq)
        )
        return list(rows.scalars())


class TestRegister:
    async def test_register_writes_user_tenant_and_events_in_one_transaction(self, flows) -> None:
        registered = await flows.register(email="  Mixed.Case@Example.COM ")
        assert registered["email"] == "mixed.case@example.com"
        rows = await outbox_rows(flows, registered["tenant_id"])
        assert [r.routing_key for r in rows] == ["tenant.created", "user.registered"]
        assert rows[0].body["payload"]["owner_user_id"] == registered["user_id"]
        assert rows[1].body["payload"]["email"] == "mixed.case@example.com"

    async def test_events_reach_a_queue_bound_in_the_test_namespace(self, make_settings, start) -> None:
        settings = make_settings()
        connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
        async with connection:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(
                settings.broker_namespace + settings.events_exchange,
                aio_pika.ExchangeType.TOPIC,
                durable=True,
            )
            queue = await channel.declare_queue(exclusive=True)
            await queue.bind(exchange, "tenant.created")
            await queue.bind(exchange, "user.registered")
            async with start(settings) as flows:
                registered = await flows.register()
                received: dict[str, dict] = {}
                async with asyncio.timeout(15):
                    async with queue.iterator() as messages:
                        async for message in messages:
                            async with message.process():
                                body = json.loads(message.body)
                                if body["tenant_id"] == registered["tenant_id"]:
                                    received[body["type"]] = body
                            if len(received) == 2:
                                break
        assert received["tenant.created"]["payload"]["tenant_id"] == registered["tenant_id"]
        assert received["user.registered"]["payload"]["user_id"] == registered["user_id"]
        assert received["user.registered"]["producer"] == "auth-service"

    async def test_validation_errors_name_the_field(self, flows) -> None:
        cases = [
            ({"email": "not-an-email", "password": PASSWORD}, "email"),
            ({"email": flows.email(), "password": "short"}, "password"),
        ]
        for body, field in cases:
            response = await flows.client.post("/register", json=body)
            assert response.status_code == 422
            assert [e["field"] for e in response.json()["errors"]] == [field]
        email = flows.email()
        same = await flows.client.post("/register", json={"email": email, "password": email.upper()})
        assert same.status_code == 422
        assert same.json()["errors"][0]["field"] == "password"

    async def test_a_taken_email_gets_the_same_answer_and_an_account_exists_mail(self, flows) -> None:
        fresh_email = flows.email()
        fresh = await flows.client.post(
            "/register", json={"email": fresh_email, "password": "another password"}
        )
        registered = await flows.register()
        again = await flows.client.post(
            "/register", json={"email": registered["email"].upper(), "password": "another password"}
        )
        assert (again.status_code, again.json()) == (
            fresh.status_code,
            fresh.json() | {"email": registered["email"]},
        )
        assert flows.mailer.last(registered["email"], "account_exists").token == ""
        # Nothing changed for the existing account: its password is still the first one.
        refused = await flows.client.post(
            "/login", json={"email": registered["email"], "password": "another password"}
        )
        assert refused.status_code == 401
        await flows.login(registered["email"])


class TestPasswordChange:
    async def test_change_revokes_other_sessions_but_not_this_one(self, flows) -> None:
        registered, this = await flows.new_user()
        other = await flows.login(registered["email"])
        response = await flows.client.post(
            "/password",
            json={"current_password": PASSWORD, "new_password": "a brand new secret"},
            headers=flows.bearer(this),
        )
        assert response.status_code == 204, response.text
        assert (
            await flows.client.post("/refresh", json={"refresh_token": other["refresh_token"]})
        ).status_code == 401
        assert (
            await flows.client.post("/refresh", json={"refresh_token": this["refresh_token"]})
        ).status_code == 200
        assert (
            await flows.client.post("/login", json={"email": registered["email"], "password": PASSWORD})
        ).status_code == 401
        await flows.login(registered["email"], "a brand new secret")
        log = await flows.client.get("/tenants/current/audit-log", headers=flows.bearer(this))
        assert [e["action"] for e in log.json()["items"]] == ["password.changed"]

    async def test_wrong_current_password_is_refused(self, flows) -> None:
        _, tokens = await flows.new_user()
        response = await flows.client.post(
            "/password",
            json={"current_password": "wrong password", "new_password": "a brand new secret"},
            headers=flows.bearer(tokens),
        )
        assert response.status_code == 403


class TestEmailVerification:
    async def test_token_is_single_use(self, flows) -> None:
        registered, tokens = await flows.new_user()
        token = flows.mailer.last(registered["email"], "verify_email").token
        assert (await flows.client.post("/verify-email", json={"token": token})).status_code == 204
        assert (await flows.client.post("/verify-email", json={"token": token})).status_code == 400
        me = await flows.client.get("/me", headers=flows.bearer(tokens))
        assert me.json()["email_verified"] is True

    async def test_expired_token_is_refused(self, flows) -> None:
        registered = await flows.register()
        token = flows.mailer.last(registered["email"], "verify_email").token
        await expire_tokens(flows, registered["user_id"])
        assert (await flows.client.post("/verify-email", json={"token": token})).status_code == 400

    async def test_resend_is_always_202(self, flows) -> None:
        registered = await flows.register()
        for email in (registered["email"], flows.email()):
            assert (await flows.client.post("/verify-email/resend", json={"email": email})).status_code == 202
        assert len([m for m in flows.mailer.sent if m.to == registered["email"]]) == 2


async def expire_tokens(flows, user_id: str) -> None:
    async with flows.runtime.db.session() as session, session.begin():
        await session.execute(
            sa.update(OneTimeToken)
            .where(OneTimeToken.user_id == uuid.UUID(user_id))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


class TestPasswordReset:
    async def test_reset_is_single_use_and_revokes_every_session(self, flows) -> None:
        registered, tokens = await flows.new_user()
        unknown = await flows.client.post("/password-reset", json={"email": flows.email()})
        known = await flows.client.post("/password-reset", json={"email": registered["email"]})
        assert unknown.status_code == known.status_code == 202
        assert unknown.json() == known.json()
        token = flows.mailer.last(registered["email"], "password_reset").token
        body = {"token": token, "new_password": "reset to something"}
        assert (await flows.client.post("/password-reset/confirm", json=body)).status_code == 204
        assert (await flows.client.post("/password-reset/confirm", json=body)).status_code == 400
        assert (
            await flows.client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
        ).status_code == 401
        await flows.login(registered["email"], "reset to something")

    async def test_expired_reset_token_is_refused(self, flows) -> None:
        registered = await flows.register()
        await flows.client.post("/password-reset", json={"email": registered["email"]})
        token = flows.mailer.last(registered["email"], "password_reset").token
        await expire_tokens(flows, registered["user_id"])
        body = {"token": token, "new_password": "reset to something"}
        assert (await flows.client.post("/password-reset/confirm", json=body)).status_code == 400


class TestDeleteAccount:
    async def test_delete_removes_sole_owned_tenant_and_emits_events(self, flows) -> None:
        registered, tokens = await flows.new_user()
        wrong = await flows.client.request(
            "DELETE", "/me", json={"password": "not my password"}, headers=flows.bearer(tokens)
        )
        assert wrong.status_code == 403
        response = await flows.client.request(
            "DELETE", "/me", json={"password": PASSWORD}, headers=flows.bearer(tokens)
        )
        assert response.status_code == 204, response.text
        rows = await outbox_rows(flows, registered["tenant_id"])
        assert "tenant.deleted" in [r.routing_key for r in rows]
        async with flows.runtime.db.session() as session:
            assert await session.get(User, uuid.UUID(registered["user_id"])) is None
            assert await session.get(TenantAccount, uuid.UUID(registered["tenant_id"])) is None
            deleted_user = (
                await session.execute(
                    sa.select(OutboxMessage).where(
                        OutboxMessage.routing_key == "user.deleted",
                        OutboxMessage.body["payload"]["user_id"].astext == registered["user_id"],
                    )
                )
            ).scalar_one_or_none()
        assert deleted_user is not None
        assert (await flows.client.get("/me", headers=flows.bearer(tokens))).status_code == 401

    async def test_delete_leaves_tenants_with_other_owners(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        guest = await flows.register()
        await flows.client.post(
            "/tenants/current/invitations",
            json={"email": guest["email"], "role": "owner"},
            headers=flows.bearer(owner_tokens),
        )
        token = flows.mailer.last(guest["email"], "invitation").token
        guest_tokens = await flows.login(guest["email"])
        assert (
            await flows.client.post(
                "/invitations/accept", json={"token": token}, headers=flows.bearer(guest_tokens)
            )
        ).status_code == 200
        response = await flows.client.request(
            "DELETE", "/me", json={"password": PASSWORD}, headers=flows.bearer(guest_tokens)
        )
        assert response.status_code == 204
        keys = [r.routing_key for r in await outbox_rows(flows, owner["tenant_id"])]
        assert "tenant.member_removed" in keys
        assert "tenant.deleted" not in keys
        assert "tenant.deleted" in [r.routing_key for r in await outbox_rows(flows, guest["tenant_id"])]
        members = await flows.client.get("/tenants/current/members", headers=flows.bearer(owner_tokens))
        assert [m["user_id"] for m in members.json()["items"]] == [owner["user_id"]]
