"""Members, plugin devices and the audit log page with the kit's envelope (stable order, bounded limit)."""

from __future__ import annotations

from typing import Any

from vitrine_kit.testing.paging import refusals, walk


def get(flows: Any, tokens: dict[str, Any]) -> Any:
    async def call(path: str, **kwargs: Any) -> Any:
        return await flows.client.get(path, headers=flows.bearer(tokens), **kwargs)

    return call


class TestMembers:
    async def test_pages_hold_every_member_once_while_others_join(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        joined = [owner["user_id"]]
        for _ in range(4):
            guest, _ = await flows.invite_and_join(owner_tokens, "member")
            joined.append(guest["user_id"])

        async def another_joins(page: int) -> None:
            guest, _ = await flows.invite_and_join(owner_tokens, "viewer")
            joined.append(guest["user_id"])

        pages = await walk(
            get(flows, owner_tokens), "/tenants/current/members", limit=2, between=another_joins
        )
        seen = [m["user_id"] for page in pages for m in page]
        # The earliest first: those who join while the list is read come at its end, none twice.
        assert seen == joined[: len(seen)]
        assert len(seen) == len(set(seen)) >= 5

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, flows) -> None:
        _, tokens = await flows.new_user()
        await refusals(get(flows, tokens), "/tenants/current/members")


class TestDevices:
    async def test_pages_hold_every_device_once_while_more_are_paired(self, flows) -> None:
        _, tokens = await flows.new_user()
        paired = [(await flows.pair(tokens))["device_id"] for _ in range(5)]

        async def pair_another(page: int) -> None:
            await flows.pair(tokens)

        pages = await walk(get(flows, tokens), "/plugin/devices", limit=2, between=pair_another)
        seen = [d["id"] for page in pages for d in page]
        assert seen == list(reversed(paired))

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, flows) -> None:
        _, tokens = await flows.new_user()
        await refusals(get(flows, tokens), "/plugin/devices")


class TestAuditLog:
    async def test_pages_hold_every_entry_once_while_entries_are_added(self, flows) -> None:
        _, tokens = await flows.new_user()
        for _ in range(5):
            await flows.pair(tokens)
        whole = await walk(get(flows, tokens), "/tenants/current/audit-log", limit=100)
        before = [e["id"] for e in whole[0]]

        async def pair_another(page: int) -> None:
            await flows.pair(tokens)

        pages = await walk(get(flows, tokens), "/tenants/current/audit-log", limit=2, between=pair_another)
        assert [e["id"] for page in pages for e in page] == before

    async def test_bad_cursor_or_limit_is_a_422_naming_it(self, flows) -> None:
        _, tokens = await flows.new_user()
        await refusals(get(flows, tokens), "/tenants/current/audit-log")
