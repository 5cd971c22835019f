from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest_asyncio
from catalog_service.pricing import ecb
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountConnected

# ECB's rates as the tests store them: GBP only (PLN stays unknown, for the "missing rate" cases).
ECB_DAY = date(2026, 11, 30)
ECB_GBP = Decimal("0.86120000")


@pytest_asyncio.fixture(scope="module")
async def ecb_rates(app) -> None:
    async with app.runtime.db.session() as session:
        await ecb.store(session, ECB_DAY, {"GBP": ECB_GBP})
        await session.commit()


async def connect_ebay(seller, *sites: str) -> dict[str, str]:
    """eBay accounts for ``sites``, as marketplace-ebay reports them; waits until catalog knows them."""
    ids = {site: str(uuid.uuid4()) for site in sites}
    for site, account_id in ids.items():
        await seller.play(AccountConnected(marketplace=Marketplace.EBAY, account_id=account_id, site=site))

    async def known() -> bool:
        shown = (await seller.get("/publish-defaults")).json()
        return {a["site"] for a in shown["ebay_accounts"]} >= set(sites)

    await seller.eventually(known)
    return ids
