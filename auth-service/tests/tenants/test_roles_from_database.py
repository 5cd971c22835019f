"""Team changes read the caller's role from the database, not from a token that may be 15 minutes old."""

from __future__ import annotations


class TestStaleTokens:
    async def test_a_demoted_admin_cannot_promote_themself_back_with_the_old_token(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        admin, admin_tokens = await flows.invite_and_join(owner_tokens, "admin")
        url = f"/tenants/current/members/{admin['user_id']}"
        demoted = await flows.client.patch(url, json={"role": "member"}, headers=flows.bearer(owner_tokens))
        assert demoted.status_code == 200, demoted.text
        assert flows.claims(admin_tokens)["roles"] == ["admin"]
        again = await flows.client.patch(url, json={"role": "admin"}, headers=flows.bearer(admin_tokens))
        assert again.status_code in (401, 403), again.text
        members = await flows.client.get("/tenants/current/members", headers=flows.bearer(owner_tokens))
        assert {m["user_id"]: m["role"] for m in members.json()["items"]}[admin["user_id"]] == "member"

    async def test_a_removed_admin_cannot_reinvite_their_own_email(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        admin, admin_tokens = await flows.invite_and_join(owner_tokens, "admin")
        removed = await flows.client.delete(
            f"/tenants/current/members/{admin['user_id']}", headers=flows.bearer(owner_tokens)
        )
        assert removed.status_code == 204
        invited = await flows.client.post(
            "/tenants/current/invitations",
            json={"email": admin["email"], "role": "admin"},
            headers=flows.bearer(admin_tokens),
        )
        assert invited.status_code in (401, 403), invited.text
        assert not [m for m in flows.mailer.sent if m.kind == "invitation" and m.to == admin["email"]][1:]

    async def test_a_freshly_promoted_member_may_manage_before_their_token_is_refreshed(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        member, member_tokens = await flows.invite_and_join(owner_tokens, "member")
        promoted = await flows.client.patch(
            f"/tenants/current/members/{member['user_id']}",
            json={"role": "admin"},
            headers=flows.bearer(owner_tokens),
        )
        assert promoted.status_code == 200
        fresh = await flows.client.post("/refresh", json={"refresh_token": member_tokens["refresh_token"]})
        invited = await flows.client.post(
            "/tenants/current/invitations",
            json={"email": flows.email(), "role": "member"},
            headers=flows.bearer(fresh.json()),
        )
        assert invited.status_code == 201, invited.text


class TestViewer:
    async def test_a_viewer_is_invited_reads_the_team_and_changes_nothing(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        viewer, viewer_tokens = await flows.invite_and_join(owner_tokens, "viewer")
        assert flows.claims(viewer_tokens)["roles"] == ["viewer"]
        members = await flows.client.get("/tenants/current/members", headers=flows.bearer(viewer_tokens))
        assert members.status_code == 200
        invite = await flows.client.post(
            "/tenants/current/invitations",
            json={"email": flows.email(), "role": "viewer"},
            headers=flows.bearer(viewer_tokens),
        )
        assert invite.status_code == 403
        assert invite.json()["type"].endswith("/capability-missing")
        code = await flows.client.post("/plugin/pairing-codes", headers=flows.bearer(viewer_tokens))
        assert code.status_code == 403
        log = await flows.client.get("/tenants/current/audit-log", headers=flows.bearer(viewer_tokens))
        assert log.status_code == 403
        # Anyone may leave.
        left = await flows.client.delete(
            f"/tenants/current/members/{viewer['user_id']}", headers=flows.bearer(viewer_tokens)
        )
        assert left.status_code == 204
