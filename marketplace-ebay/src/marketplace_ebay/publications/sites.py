"""A publication names its eBay site: the account it goes out through and the currency it must be in."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.ebay_api import CURRENCIES
from marketplace_ebay.models import EbayAccount


async def site_account(session: AsyncSession, account_id: uuid.UUID | None, site: str) -> EbayAccount | None:
    """The seller's active account on ``site`` (the one named when it is on that site): never another
    site's, whose category ids, language and currency differ."""
    if account_id is not None:
        named = await accounts.get(session, account_id)
        if named is not None and named.site == site and named.status == "active":
            return named
    live = [a for a in await accounts.all_accounts(session) if a.status == "active" and a.site == site]
    return live[0] if live else None


def wrong_currency(site: str, currency: str) -> str | None:
    """A sentence for the seller when ``currency`` is not ``site``'s; None when it is."""
    expected = CURRENCIES.get(site, "EUR")
    if currency == expected:
        return None
    return (
        f"eBay {site} lists in {expected}, not {currency}: set an exchange rate in Vitrine's price "
        "settings and publish again."
    )
