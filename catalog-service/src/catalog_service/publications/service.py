"""Publications: one per product and marketplace, moved by requests and by the adapters' events."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from vitrine_contracts.catalog import (
    ListingPolicies,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationDelistRequested,
    PublicationFailed,
    PublicationRequested,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_kit.db.base import utcnow
from vitrine_kit.errors import ProblemError

from catalog_service.alerts.service import alert_service
from catalog_service.errors import (
    ProductDeleted,
    ProductNotFound,
    PublicationBusy,
    PublicationNotFound,
    PublishBlocked,
    SiteRequired,
)
from catalog_service.models import Product, Publication
from catalog_service.pricing.rules import Quote
from catalog_service.pricing.service import pricing_service
from catalog_service.products import repository as products_repo
from catalog_service.publications.ebay_policies import choice_of, keep_choice
from catalog_service.publications.policy_check import check_first
from catalog_service.publications.requirements import missing, snapshot
from catalog_service.publications.schemas import ListingPrice, PublicationOut
from catalog_service.publications.sites import site_service
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)
Why = Literal["sold_elsewhere", "seller_request", "archived", "out_of_stock"]

# States a listing may be live in (or about to be): a sale must delist them.
LIVE = ("pending", "listing", "listed")
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"listing", "listed", "failed", "delisting"}),
    "listing": frozenset({"listed", "failed", "delisting"}),
    "listed": frozenset({"delisting", "delisted"}),
    "delisting": frozenset({"delisted", "listed"}),
    "failed": frozenset({"pending"}),
    "delisted": frozenset({"pending"}),
}


def _move(pub: Publication, target: str) -> bool:
    """Apply a transition if the rules allow it; events arrive late or twice, so others are ignored."""
    if target not in TRANSITIONS[pub.status]:
        logger.info(
            "publication transition ignored", extra={"from": pub.status, "to": target, "id": str(pub.id)}
        )
        return False
    pub.status = target
    pub.updated_at = utcnow()
    return True


def to_out(pub: Publication) -> PublicationOut:
    price = None
    if pub.price_amount is not None and pub.price_currency:
        price = ListingPrice(
            amount=pub.price_amount,
            currency=pub.price_currency,
            rate=pub.price_rate,
            rate_date=pub.price_rate_date,
            rate_source=pub.price_rate_source,
        )
    return PublicationOut(
        id=pub.id,
        product_id=pub.product_id,
        marketplace=pub.marketplace,
        site=pub.site or None,
        status=pub.status,
        external_id=pub.external_id,
        url=pub.url,
        reason=pub.reason,
        reason_code=pub.reason_code,
        retryable=pub.retryable,
        requested_at=pub.requested_at,
        listed_at=pub.listed_at,
        delisted_at=pub.delisted_at,
        updated_at=pub.updated_at,
        price=price,
        policies=choice_of(pub),
    )


def _keep_price(pub: Publication, quote: Quote) -> Money:
    """Record on the publication the price it goes out at; the snapshot's price."""
    pub.price_amount, pub.price_currency = quote.amount, quote.currency
    pub.price_rate, pub.price_rate_date, pub.price_rate_source = (
        quote.rate,
        quote.rate_date,
        quote.rate_source,
    )
    return Money(amount=quote.amount, currency=quote.currency)


class PublicationService:
    """Publish, delist, and follow what the adapters report."""

    async def request(
        self,
        scope: Scope,
        product_id: uuid.UUID,
        marketplaces: list[Marketplace],
        ebay_sites: Sequence[str] | None = None,
        ebay_policies: Mapping[str, ListingPolicies] | None = None,
    ) -> list[PublicationOut]:
        """Check every marketplace (and eBay site) first (422 with every missing piece, an eBay site without
        an account included), price each listing (422 when an exchange rate is missing), then request the
        missing listings: one publication per marketplace, and per site on eBay.

        Chosen eBay policies are checked at marketplace-ebay first, with no database connection held (see
        :func:`check_first`); the publish's transaction then starts anew."""
        chosen = ebay_policies or {}
        checked = await check_first(scope, product_id, marketplaces, ebay_sites, chosen)
        product = await products_repo.get_for_update(scope.session, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is not None:
            raise ProductDeleted()
        wanted, problems = await site_service.targets(scope, marketplaces, ebay_sites)
        ref = await scope.context.reference.get()
        settings = scope.context.settings
        problems = [p for m, site in wanted for p in missing(product, m, ref, settings, site)] + problems
        accounts = await site_service.ebay_accounts(scope)
        if checked is not None:
            problems += checked.problems_if_unchanged(wanted, chosen, accounts)
        if problems:
            names = ", ".join(
                f"{p['marketplace']}{'[' + p['site'] + ']' if p.get('site') else ''}.{p['field']}"
                for p in problems
            )
            raise PublishBlocked(f"Missing: {names}", missing=problems)
        quotes = {(m, site): await pricing_service.quote(scope, product, m.value, site) for m, site in wanted}
        existing = {(p.marketplace, p.site): p for p in await self._of(scope, product_id, lock=True)}
        out = []
        for marketplace, site in wanted:
            pub = existing.get((marketplace.value, site))
            if pub is None:
                pub = Publication(
                    id=uuid.uuid4(),
                    product_id=product.id,
                    marketplace=marketplace.value,
                    site=site,
                    status="pending",
                )
                scope.session.add(pub)
            elif not _move(pub, "pending"):
                # Already pending, listing, listed or delisting: a second request changes nothing.
                out.append(to_out(pub))
                continue
            pub.reason = pub.reason_code = pub.retryable = None
            pub.requested_at = pub.updated_at = utcnow()
            pub.attempt = (pub.attempt or 0) + 1
            price = _keep_price(pub, quotes[(marketplace, site)])
            keep_choice(pub, chosen)
            await scope.session.flush()
            scope.emit(
                PublicationRequested(
                    publication_id=pub.id,
                    product_id=product.id,
                    marketplace=marketplace,
                    account_id=accounts.get(site) if site else None,
                    site=site or None,
                    attempt=pub.attempt,
                    policies=choice_of(pub),
                    snapshot=snapshot(product, marketplace, ref, settings, site, price),
                )
            )
            out.append(to_out(pub))
        return out

    async def revise_live(self, scope: Scope, product: Product) -> tuple[int, int]:
        """One revise per listed publication, with the product as it is now (priced again by the rules and
        rates of now); (revised, still in flight).

        Publications still pending or listing are counted so the caller can try them again later. One that
        cannot be priced (its rate was removed) keeps its listing as it is, and the seller is told.
        """
        ref = await scope.context.reference.get()
        accounts = await site_service.ebay_accounts(scope)
        revised = in_flight = 0
        for pub in await self._of(scope, product.id, lock=True):
            if pub.status in ("pending", "listing", "delisting"):
                in_flight += pub.status != "delisting"
                continue
            if pub.status != "listed":
                continue
            try:
                quote = await pricing_service.quote(scope, product, pub.marketplace, pub.site)
            except ProblemError as exc:
                pub.reason = f"update not sent: {exc.detail}"
                await alert_service.raise_alert(
                    scope,
                    "revise_failed",
                    product.id,
                    {"marketplace": pub.marketplace, "publication_id": str(pub.id), "reason": exc.detail},
                )
                continue
            pub.attempt += 1
            pub.updated_at = utcnow()
            marketplace = Marketplace(pub.marketplace)
            price = _keep_price(pub, quote)
            scope.emit(
                PublicationRequested(
                    publication_id=pub.id,
                    product_id=product.id,
                    marketplace=marketplace,
                    account_id=accounts.get(pub.site) if pub.site else None,
                    site=pub.site or None,
                    action="revise",
                    attempt=pub.attempt,
                    external_id=pub.external_id,
                    policies=choice_of(pub),
                    snapshot=snapshot(product, marketplace, ref, scope.context.settings, pub.site, price),
                )
            )
            revised += 1
        return revised, in_flight

    async def delist(
        self, scope: Scope, product_id: uuid.UUID, marketplace: Marketplace, site: str | None = None
    ) -> PublicationOut:
        """The seller ends one listing (on eBay, the one of ``site``; needed when there are several)."""
        stmt = sa.select(Publication).where(
            Publication.product_id == product_id, Publication.marketplace == marketplace.value
        )
        if site:
            stmt = stmt.where(Publication.site == site)
        pubs = list((await scope.session.scalars(stmt.with_for_update())).all())
        if not pubs:
            raise PublicationNotFound()
        if len(pubs) > 1:
            sites = ", ".join(sorted(p.site for p in pubs))
            raise SiteRequired(
                f"The product is on {marketplace.value} sites {sites}: add ?site= to choose one."
            )
        pub = pubs[0]
        if pub.status not in LIVE:
            raise PublicationBusy(f"The publication is {pub.status}.")
        self._request_delist(scope, pub, "seller_request")
        return to_out(pub)

    async def delist_live(
        self,
        scope: Scope,
        product: Product,
        why: Why,
        except_marketplace: str | None = None,
        *,
        except_publication: uuid.UUID | None = None,
        sold_at: datetime | None = None,
    ) -> int:
        """Ask every live listing of ``product`` (but the one that sold) to end; returns how many were asked.

        ``except_publication``: the listing that sold (every other one ends, on other eBay sites too);
        ``except_marketplace``: when the sold listing is not known, every listing of that marketplace is
        spared. ``sold_at``: when the sale happened (the order event's time), to measure the sale →
        delist-start delay.
        """
        count = 0
        for pub in await self._of(scope, product.id, lock=True):
            if except_publication is not None:
                spared = pub.id == except_publication
            else:
                spared = pub.marketplace == except_marketplace
            if not spared and pub.status in LIVE:
                self._request_delist(scope, pub, why)
                if sold_at is not None:
                    scope.context.observe_delist_start(scope.session, pub.marketplace, sold_at)
                count += 1
        return count

    def _request_delist(self, scope: Scope, pub: Publication, why: Why) -> None:
        _move(pub, "delisting")
        pub.attempt = (pub.attempt or 0) + 1
        scope.emit(
            PublicationDelistRequested(
                publication_id=pub.id,
                product_id=pub.product_id,
                marketplace=Marketplace(pub.marketplace),
                site=pub.site or None,
                external_id=pub.external_id,
                why=why,
                attempt=pub.attempt,
            )
        )

    async def list_for(self, scope: Scope, product_id: uuid.UUID) -> list[PublicationOut]:
        if await scope.session.get(Product, product_id) is None:
            raise ProductNotFound()
        return [to_out(p) for p in await self._of(scope, product_id)]

    async def _of(self, scope: Scope, product_id: uuid.UUID, *, lock: bool = False) -> list[Publication]:
        stmt = (
            sa.select(Publication)
            .where(Publication.product_id == product_id)
            .order_by(Publication.marketplace, Publication.site)
        )
        if lock:
            stmt = stmt.with_for_update()
        return list((await scope.session.scalars(stmt.execution_options(populate_existing=True))).all())

    async def _locked(
        self,
        scope: Scope,
        publication_id: uuid.UUID,
        attempt: int | None = None,
        *,
        external_id: tuple[str, str] | None = None,
    ) -> tuple[Publication, Product] | None:
        """The publication and its product, locked; None when unknown or when ``attempt`` is stale.

        ``external_id`` (marketplace, listing id) finds a publication whose id the adapter does not know.
        """
        pub = await scope.session.scalar(
            sa.select(Publication).where(Publication.id == publication_id).with_for_update()
        )
        if pub is None and external_id is not None:
            pub = await scope.session.scalar(
                sa.select(Publication)
                .where(Publication.marketplace == external_id[0], Publication.external_id == external_id[1])
                .with_for_update()
            )
        if pub is None:
            logger.warning("event for an unknown publication", extra={"publication_id": str(publication_id)})
            return None
        if attempt is not None and attempt < pub.attempt:
            # A newer attempt (a re-list, a delist, a revise) was requested since: this answer is old news.
            logger.info(
                "result of a stale attempt ignored",
                extra={"publication_id": str(pub.id), "attempt": attempt, "current": pub.attempt},
            )
            return None
        product = await products_repo.get_for_update(scope.session, pub.product_id)
        assert product is not None
        return pub, product

    async def on_started(self, scope: Scope, event: PublicationStarted) -> None:
        """The adapter is at work: pending → listing (a late or repeated notice changes nothing)."""
        found = await self._locked(scope, event.publication_id)
        if found is not None and found[0].status == "pending":
            _move(found[0], "listing")

    async def on_succeeded(self, scope: Scope, event: PublicationSucceeded) -> None:
        """Listed; unless the product sold or went away meanwhile, in which case it is delisted at once."""
        found = await self._locked(scope, event.publication_id, event.attempt)
        if found is None:
            return
        pub, product = found
        if event.action == "revise":
            if pub.status == "listed":
                pub.external_id, pub.url = event.external_id, event.url or pub.url
                pub.reason, pub.updated_at = None, utcnow()
            return
        pub.external_id, pub.url = event.external_id, event.url
        pub.listed_at = event.listed_at or utcnow()
        gone = product.status in ("sold", "archived") or product.deleted_at is not None
        if pub.status == "delisting" or gone:
            why: Why = "sold_elsewhere" if product.status == "sold" else "archived"
            pub.status = "listed"
            self._request_delist(scope, pub, why)
            return
        if _move(pub, "listed") and product.status == "ready":
            product.status, product.version, product.updated_at = "listed", product.version + 1, utcnow()

    async def on_failed(self, scope: Scope, event: PublicationFailed) -> None:
        found = await self._locked(scope, event.publication_id, event.attempt)
        if found is None:
            return
        pub, product = found
        if event.action == "revise":
            # The listing is still live with its old content: keep it listed and tell the seller.
            pub.reason, pub.reason_code = f"update failed: {event.reason}", event.code
            await alert_service.raise_alert(
                scope,
                "revise_failed",
                product.id,
                {"marketplace": pub.marketplace, "publication_id": str(pub.id), "reason": event.reason},
            )
            return
        if _move(pub, "failed"):
            pub.reason, pub.reason_code, pub.retryable = event.reason, event.code, event.retryable

    async def on_delisted(self, scope: Scope, event: PublicationDelisted) -> None:
        """Ended; a listed product with no live listing left is ready again.

        A listing ended outside Vitrine (by the seller on the marketplace, or by the marketplace) is also
        an alert: the seller may want it back.
        """
        where = (event.marketplace.value, event.external_id) if event.external_id else None
        found = await self._locked(scope, event.publication_id, event.attempt, external_id=where)
        if found is None:
            return
        pub, product = found
        if pub.status == "delisted":
            return
        pub.status, pub.delisted_at, pub.updated_at = "delisted", event.delisted_at, utcnow()
        if event.by != "vitrine":
            pub.reason = event.reason or f"ended on {pub.marketplace}"
            await alert_service.raise_alert(
                scope,
                "listing_ended_outside",
                product.id,
                {
                    "marketplace": pub.marketplace,
                    "publication_id": str(pub.id),
                    "external_id": pub.external_id,
                    "by": event.by,
                    "reason": pub.reason,
                },
            )
        others = [p for p in await self._of(scope, product.id) if p.status in (*LIVE, "delisting")]
        if product.status == "listed" and not others:
            product.status, product.version, product.updated_at = "ready", product.version + 1, utcnow()

    async def on_delist_failed(self, scope: Scope, event: PublicationDelistFailed) -> None:
        """The listing is still live: say so, and alert the seller (the adapter has retried already)."""
        found = await self._locked(scope, event.publication_id, event.attempt)
        if found is None or not _move(found[0], "listed"):
            return
        pub, product = found
        pub.reason, pub.retryable = f"delist failed: {event.reason}", event.retryable
        await alert_service.raise_alert(
            scope,
            "delist_failed",
            product.id,
            {"marketplace": pub.marketplace, "publication_id": str(pub.id), "reason": event.reason},
        )


publication_service = PublicationService()
