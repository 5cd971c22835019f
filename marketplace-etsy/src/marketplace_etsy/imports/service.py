"""Importing the shop's active listings: catalog links them to products or creates new ones
(``marketplace.listing.imported``), and their sales are reported like any other."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_marketplace import AuthRevoked, ExternalListing, MarketplaceError, MarketplaceRejected

from marketplace_etsy.accounts.service import account_service
from marketplace_etsy.accounts.tokens import token_service
from marketplace_etsy.errors import AccountNeedsReconnect, EtsyRejected, EtsyUnavailable
from marketplace_etsy.etsy.listing import EtsyShop
from marketplace_etsy.imports.schemas import ImportIn, ImportOut, RemoteListingOut
from marketplace_etsy.models import EtsyAccount, EtsyListing, ListingState
from marketplace_etsy.scope import Scope


class ImportService:
    async def _remote(self, scope: Scope, account: EtsyAccount) -> list[ExternalListing]:
        async def run(shop: EtsyShop) -> list[ExternalListing]:
            return list(await scope.context.etsy.import_listings(shop))

        try:
            return await token_service.call(scope.context, scope.tenant_id, account, run)
        except AuthRevoked as exc:
            raise AccountNeedsReconnect() from exc
        except MarketplaceRejected as exc:
            raise EtsyRejected(exc.message) from exc
        except MarketplaceError as exc:
            raise EtsyUnavailable(exc.message) from exc

    async def _known(self, scope: Scope, account: EtsyAccount) -> set[str]:
        rows = await scope.session.execute(
            sa.select(EtsyListing.listing_id).where(
                EtsyListing.account_id == account.id, EtsyListing.listing_id.is_not(None)
            )
        )
        return {str(r) for r in rows.scalars()}

    async def remote_listings(self, scope: Scope) -> list[RemoteListingOut]:
        """The shop's active listings on Etsy, each marked when Vitrine already knows it."""
        account = await account_service.get(scope)
        known = await self._known(scope, account)
        return [
            RemoteListingOut(
                external_listing_id=x.external_id,
                sku=x.sku,
                title=x.title,
                price=x.price,
                currency=x.currency,
                quantity=x.quantity,
                url=x.url,
                image_urls=x.image_urls,
                linked=x.external_id in known,
            )
            for x in await self._remote(scope, account)
        ]

    async def import_listings(self, scope: Scope, body: ImportIn) -> ImportOut:
        """Record each chosen listing and emit ``marketplace.listing.imported`` for catalog."""
        account = await account_service.get(scope)
        remote = {x.external_id: x for x in await self._remote(scope, account)}
        known = await self._known(scope, account)
        imported, missing = 0, []
        for choice in body.listings:
            found = remote.get(choice.external_listing_id)
            if found is None:
                missing.append(choice.external_listing_id)
                continue
            if found.external_id not in known:
                known.add(found.external_id)
                scope.session.add(
                    EtsyListing(
                        id=uuid.uuid4(),
                        account_id=account.id,
                        product_id=choice.product_id,
                        listing_id=int(found.external_id),
                        state=ListingState.IMPORTED,
                        title=found.title[:140],
                        url=found.url,
                        sku=(found.sku or None) and found.sku[:32],
                        attempts=0,
                        price=found.price,
                        currency=found.currency,
                        quantity=found.quantity,
                    )
                )
            price = (
                Money(amount=found.price, currency=found.currency) if found.price and found.currency else None
            )
            scope.emit(
                ListingImported(
                    marketplace=Marketplace.ETSY,
                    account_id=account.id,
                    product_id=choice.product_id,
                    listing=ImportedListing(
                        external_listing_id=found.external_id,
                        sku=found.sku,
                        title=found.title,
                        description=found.description,
                        price=price,
                        quantity=found.quantity,
                        image_urls=found.image_urls,
                        category_id=found.category_id,
                        aspects=found.aspects,
                        url=found.url,
                    ),
                )
            )
            imported += 1
        return ImportOut(imported=imported, not_found=missing)


import_service = ImportService()
