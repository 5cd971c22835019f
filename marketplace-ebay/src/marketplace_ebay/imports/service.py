"""Importing live eBay listings: catalog links them to products or creates new ones (``listing.imported``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_marketplace import AuthRevoked, ExternalListing, MarketplaceError, MarketplaceRejected

from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.errors import AccountNeedsReconnect, EbayRejected, EbayUnavailable
from marketplace_ebay.imports.schemas import ImportIn, ImportOut, RemoteListingOut
from marketplace_ebay.models import EbayAccount, EbayListing, ListingStatus


class ImportService:
    async def _remote(
        self, session: AsyncSession, ebay: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> list[ExternalListing]:
        async def run(seller: EbaySeller) -> list[ExternalListing]:
            return list(await ebay.ebay.import_listings(seller))

        try:
            return await account_service.call(session, ebay, tenant_id, account, run)
        except AuthRevoked as exc:
            raise AccountNeedsReconnect() from exc
        except MarketplaceRejected as exc:
            raise EbayRejected(exc.message) from exc
        except MarketplaceError as exc:
            raise EbayUnavailable(exc.message) from exc

    async def _known(self, session: AsyncSession, account: EbayAccount) -> dict[str, EbayListing]:
        rows = await session.scalars(sa.select(EbayListing).where(EbayListing.account_id == account.id))
        return {r.listing_id: r for r in rows if r.listing_id}

    async def remote_listings(
        self, session: AsyncSession, ebay: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> list[RemoteListingOut]:
        """The account's live eBay listings, each marked when Vitrine already knows it."""
        known = await self._known(session, account)
        return [
            RemoteListingOut(
                external_listing_id=x.external_id,
                sku=x.sku,
                title=x.title,
                price=x.price,
                currency=x.currency,
                quantity=x.quantity,
                url=x.url,
                linked=x.external_id in known,
            )
            for x in await self._remote(session, ebay, tenant_id, account)
        ]

    async def import_listings(
        self,
        session: AsyncSession,
        ebay: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        body: ImportIn,
    ) -> ImportOut:
        """Record each chosen listing and emit ``marketplace.listing.imported`` for catalog."""
        remote = {x.external_id: x for x in await self._remote(session, ebay, tenant_id, account)}
        known = await self._known(session, account)
        imported, missing = 0, []
        import_id = uuid.uuid4()
        total = sum(1 for c in body.listings if c.external_listing_id in remote)
        for choice in body.listings:
            found = remote.get(choice.external_listing_id)
            if found is None:
                missing.append(choice.external_listing_id)
                continue
            listing = known.get(found.external_id)
            if listing is None:
                # The publication id catalog will give the listing: revises and delists name it.
                listing = EbayListing(
                    id=uuid.uuid4(),
                    account_id=account.id,
                    publication_id=uuid.uuid4(),
                    product_id=choice.product_id,
                    sku=found.sku or "",
                    listing_id=found.external_id,
                    status=ListingStatus.IMPORTED.value,
                    attempts=0,
                    price=found.price,
                    currency=found.currency,
                    quantity=found.quantity,
                )
                session.add(listing)
            price = (
                Money(amount=found.price, currency=found.currency) if found.price and found.currency else None
            )
            ebay.outbox.add(
                session,
                ListingImported(
                    marketplace=Marketplace.EBAY,
                    account_id=account.id,
                    product_id=choice.product_id,
                    publication_id=listing.publication_id,
                    import_id=import_id,
                    import_total=total,
                    listing=ImportedListing(
                        external_listing_id=found.external_id,
                        sku=found.sku,
                        title=found.title,
                        description=found.description,
                        price=price,
                        quantity=found.quantity,
                        image_urls=found.image_urls,
                        category_id=found.category_id,
                        condition_id=found.condition_id,
                        aspects=found.aspects,
                        url=found.url,
                    ),
                ),
                tenant_id=tenant_id,
            )
            imported += 1
        return ImportOut(imported=imported, not_found=missing, import_id=import_id if imported else None)


import_service = ImportService()
