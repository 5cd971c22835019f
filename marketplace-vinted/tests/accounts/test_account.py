"""The account: made once, shown with its budget, paced as the seller says."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from marketplace_vinted.accounts import repository as accounts_repo
from marketplace_vinted.config import Settings
from marketplace_vinted.models import VintedAccount


class TestAccount:
    async def test_two_first_uses_at_once_make_one_account(self, standalone) -> None:
        context, tenant = await standalone(Settings())
        db = context.db

        async def first_use():
            async with db.tenant_session(tenant) as s, s.begin():
                return (await accounts_repo.locked(s, tenant, context.settings)).id

        ids = await asyncio.gather(first_use(), first_use(), first_use())
        async with db.tenant_session(tenant) as s:
            rows = (await s.execute(sa.select(VintedAccount))).scalars().all()
        assert len(rows) == 1
        assert set(ids) == {rows[0].id}

    async def test_the_account_shows_the_plugin_and_the_budget(self, seller) -> None:
        before = (await seller.get("/account")).json()
        assert (before["plugins_online"], before["logged_in"]) == (0, False)
        await seller.online()
        account = (await seller.get("/account")).json()
        assert account["login"] == "demo"
        assert account["logged_in"] is True
        assert account["pacing"]["writes_per_hour"] == 50
        assert account["pacing"]["remaining"] == 50

    async def test_pacing_is_the_seller_s(self, seller) -> None:
        body = {"writes_per_hour": 20, "min_gap_s": 30, "max_gap_s": 10, "pause_every": 5, "pause_s": 60}
        response = await seller.put("/account/pacing", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["max_gap_s"] == 30  # never below the minimum
        assert (await seller.put("/account/pacing", json=body | {"writes_per_hour": 0})).status_code == 422
        for field, huge in (("pause_every", 16569707668), ("pause_s", 1e12), ("max_gap_s", 1e9)):
            refused = await seller.put("/account/pacing", json=body | {field: huge})
            assert refused.status_code == 422, refused.text
            assert field in refused.text
