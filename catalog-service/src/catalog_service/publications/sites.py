"""Which eBay sites a publish goes to: the seller's default set, the eBay accounts connected per site."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountConnected, AccountDisconnected
from vitrine_kit.db.base import utcnow

from catalog_service.models import MarketplaceAccount, PublishDefaults
from catalog_service.pricing.rules import EBAY_SITES
from catalog_service.pricing.schemas import EbayAccountOut, PublishDefaultsIn, PublishDefaultsOut
from catalog_service.scope import Scope


class SiteService:
    async def ebay_accounts(self, scope: Scope) -> dict[str, uuid.UUID]:
        """site → the eBay account connected for it (the newest when there are two)."""
        rows = await scope.session.scalars(
            sa.select(MarketplaceAccount)
            .where(MarketplaceAccount.marketplace == "ebay")
            .order_by(MarketplaceAccount.connected_at)
        )
        return {r.site: r.account_id for r in rows if r.site}

    async def defaults(self, scope: Scope) -> list[str]:
        row = await scope.session.get(PublishDefaults, 1)
        return list(row.ebay_sites) if row else []

    async def default_sites(self, scope: Scope) -> tuple[list[str], bool]:
        """Where a plain "ebay" goes, and whether the seller chose it (then each site needs its account).

        The seller's default set; else every site with a connected account; else the configured site
        (a seller who never connected eBay: the adapter reports the missing account, as before sites).
        """
        chosen = await self.defaults(scope)
        if chosen:
            return chosen, True
        connected = sorted(await self.ebay_accounts(scope), key=EBAY_SITES.index)
        if connected:
            return connected, True
        return [scope.context.settings.ebay_site], False

    async def targets(
        self, scope: Scope, marketplaces: list[Marketplace], ebay_sites: Sequence[str] | None
    ) -> tuple[list[tuple[Marketplace, str]], list[dict[str, str]]]:
        """(marketplace, site) pairs to publish to, and the eBay sites refused for want of an account.

        Explicit sites, and the seller's default set, each need an eBay account on that site; the fallback
        to the configured site (nothing chosen, nothing connected) is left to the adapter, as before sites.
        """
        out: list[tuple[Marketplace, str]] = []
        problems: list[dict[str, str]] = []
        for marketplace in dict.fromkeys(marketplaces):
            if marketplace != Marketplace.EBAY:
                out.append((marketplace, ""))
                continue
            if ebay_sites:
                sites, checked = list(dict.fromkeys(ebay_sites)), True
            else:
                sites, checked = await self.default_sites(scope)
            accounts = await self.ebay_accounts(scope) if checked else {}
            for site in sites:
                out.append((marketplace, site))
                if checked and site not in accounts:
                    problems.append(
                        {
                            "marketplace": "ebay",
                            "site": site,
                            "field": "account",
                            "code": "no-account",
                            "message": f"no eBay account is connected for {site}: connect one first",
                        }
                    )
        return out, problems

    async def show(self, scope: Scope) -> PublishDefaultsOut:
        accounts = await self.ebay_accounts(scope)
        effective, _ = await self.default_sites(scope)
        return PublishDefaultsOut(
            ebay_sites=await self.defaults(scope),
            effective_ebay_sites=effective,
            ebay_accounts=[
                EbayAccountOut(account_id=str(a), site=s)
                for s, a in sorted(accounts.items(), key=lambda i: EBAY_SITES.index(i[0]))
            ],
        )

    async def set_defaults(self, scope: Scope, body: PublishDefaultsIn) -> PublishDefaultsOut:
        sites = list(dict.fromkeys(body.ebay_sites))
        stmt = insert(PublishDefaults).values(id=1, ebay_sites=sites, updated_at=utcnow())
        await scope.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"], set_={"ebay_sites": sites, "updated_at": utcnow()}
            )
        )
        return await self.show(scope)

    async def on_connected(self, scope: Scope, event: AccountConnected) -> None:
        stmt = insert(MarketplaceAccount).values(
            account_id=event.account_id,
            marketplace=event.marketplace.value,
            site=event.site or "",
            currency=event.currency,
            connected_at=scope.envelope.occurred_at if scope.envelope else utcnow(),
        )
        await scope.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["account_id"],
                set_={"site": stmt.excluded.site, "currency": stmt.excluded.currency},
            )
        )

    async def on_disconnected(self, scope: Scope, event: AccountDisconnected) -> None:
        await scope.session.execute(
            sa.delete(MarketplaceAccount).where(MarketplaceAccount.account_id == event.account_id)
        )


site_service = SiteService()
