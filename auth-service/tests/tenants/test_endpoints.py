from __future__ import annotations

import jwt
import sqlalchemy as sa
from vitrine_kit.db.models import OutboxMessage


def claims(tokens) -> dict:
    return jwt.decode(tokens["access_token"], options={"verify_signature": False})


async def invite_and_join(flows, owner_tokens, role: str):
    """A new user invited with ``role`` who accepts; returns (registration, tokens in the owner's tenant)."""
    guest = await flows.register()
    invited = await flows.client.post(
        "/tenants/current/invitations",
        json={"email": guest["email"], "role": role},
        headers=flows.bearer(owner_tokens),
    )
    assert invited.status_code == 201, invited.text
    token = flows.mailer.last(guest["email"], "invitation").token
    guest_tokens = await flows.login(guest["email"])
    accepted = await flows.client.post(
        "/invitations/accept", json={"token": token}, headers=flows.bearer(guest_tokens)
    )
    assert accepted.status_code == 200, accepted.text
    tenant_id = claims(owner_tokens)["tid"]
    return guest, await flows.login(guest["email"], tenant_id=tenant_id)


class TestInvitations:
    async def test_invited_member_gets_the_role_in_the_token(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        guest, guest_tokens = await invite_and_join(flows, owner_tokens, "admin")
        assert claims(guest_tokens)["tid"] == owner["tenant_id"]
        assert claims(guest_tokens)["roles"] == ["admin"]
        # Without a tenant_id the guest still lands in the tenant they own.
        own = await flows.login(guest["email"])
        assert claims(own)["tid"] == guest["tenant_id"]
        me = await flows.client.get("/me", headers=flows.bearer(guest_tokens))
        assert sorted(t["role"] for t in me.json()["tenants"]) == ["admin", "owner"]
        members = await flows.client.get("/tenants/current/members", headers=flows.bearer(owner_tokens))
        assert sorted(m["role"] for m in members.json()["items"]) == ["admin", "owner"]
        log = await flows.client.get("/tenants/current/audit-log", headers=flows.bearer(owner_tokens))
        assert [e["action"] for e in log.json()["items"]] == ["member.joined", "member.invited"]

    async def test_invitation_for_another_email_and_reuse_are_refused(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        invited_email = flows.email()
        await flows.client.post(
            "/tenants/current/invitations",
            json={"email": invited_email, "role": "member"},
            headers=flows.bearer(owner_tokens),
        )
        token = flows.mailer.last(invited_email, "invitation").token
        _, stranger = await flows.new_user()
        wrong = await flows.client.post(
            "/invitations/accept", json={"token": token}, headers=flows.bearer(stranger)
        )
        assert wrong.status_code == 403
        await flows.register(email=invited_email)
        invited = await flows.login(invited_email)
        assert (
            await flows.client.post(
                "/invitations/accept", json={"token": token}, headers=flows.bearer(invited)
            )
        ).status_code == 200
        assert (
            await flows.client.post(
                "/invitations/accept", json={"token": token}, headers=flows.bearer(invited)
            )
        ).status_code == 400

    async def test_members_cannot_invite_and_admins_cannot_make_owners(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        _, member_tokens = await invite_and_join(flows, owner_tokens, "member")
        _, admin_tokens = await invite_and_join(flows, owner_tokens, "admin")
        body = {"email": flows.email(), "role": "member"}
        assert (
            await flows.client.post(
                "/tenants/current/invitations", json=body, headers=flows.bearer(member_tokens)
            )
        ).status_code == 403
        body["role"] = "owner"
        assert (
            await flows.client.post(
                "/tenants/current/invitations", json=body, headers=flows.bearer(admin_tokens)
            )
        ).status_code == 403
        assert (
            await flows.client.get("/tenants/current/audit-log", headers=flows.bearer(member_tokens))
        ).status_code == 403


class TestMembers:
    async def test_role_change_reaches_the_token_on_refresh(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        guest, guest_tokens = await invite_and_join(flows, owner_tokens, "member")
        patched = await flows.client.patch(
            f"/tenants/current/members/{guest['user_id']}",
            json={"role": "admin"},
            headers=flows.bearer(owner_tokens),
        )
        assert patched.status_code == 200, patched.text
        refreshed = await flows.client.post("/refresh", json={"refresh_token": guest_tokens["refresh_token"]})
        assert claims(refreshed.json())["roles"] == ["admin"]

    async def test_the_last_owner_cannot_leave_or_be_demoted(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        url = f"/tenants/current/members/{owner['user_id']}"
        assert (await flows.client.delete(url, headers=flows.bearer(owner_tokens))).status_code == 409
        demote = await flows.client.patch(url, json={"role": "admin"}, headers=flows.bearer(owner_tokens))
        assert demote.status_code == 409
        assert demote.json()["type"].endswith("/last-owner")

    async def test_removed_member_loses_the_tenant_session(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        guest, guest_tokens = await invite_and_join(flows, owner_tokens, "member")
        removed = await flows.client.delete(
            f"/tenants/current/members/{guest['user_id']}", headers=flows.bearer(owner_tokens)
        )
        assert removed.status_code == 204
        assert (
            await flows.client.post("/refresh", json={"refresh_token": guest_tokens["refresh_token"]})
        ).status_code == 401
        assert (
            await flows.client.post(
                "/login",
                json={
                    "email": guest["email"],
                    "password": flows.PASSWORD,
                    "tenant_id": claims(owner_tokens)["tid"],
                },
            )
        ).status_code == 403


class TestMemberEvents:
    async def test_member_added_and_role_changed_carry_the_members_email(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        guest, _ = await invite_and_join(flows, owner_tokens, "member")
        patched = await flows.client.patch(
            f"/tenants/current/members/{guest['user_id']}",
            json={"role": "owner"},
            headers=flows.bearer(owner_tokens),
        )
        assert patched.status_code == 200, patched.text
        # The same role again changes nothing and announces nothing.
        again = await flows.client.patch(
            f"/tenants/current/members/{guest['user_id']}",
            json={"role": "owner"},
            headers=flows.bearer(owner_tokens),
        )
        assert again.status_code == 200
        async with flows.runtime.db.session() as session:
            rows = (
                (
                    await session.execute(
                        sa.select(OutboxMessage)
                        .where(
                            OutboxMessage.body["tenant_id"].astext == owner["tenant_id"],
                            OutboxMessage.routing_key.in_(
                                ["tenant.member_added", "tenant.member_role_changed"]
                            ),
                        )
                        .order_by(OutboxMessage.seq)
                    )
                )
                .scalars()
                .all()
            )
        assert [(r.routing_key, r.body["payload"]["role"]) for r in rows] == [
            ("tenant.member_added", "member"),
            ("tenant.member_role_changed", "owner"),
        ]
        assert {r.body["payload"]["email"] for r in rows} == {guest["email"]}
        assert {r.body["payload"]["user_id"] for r in rows} == {guest["user_id"]}
