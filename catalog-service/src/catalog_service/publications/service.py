"""Publications: one per product and marketplace, moved by requests and by the adapters' events."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from vitrine_contracts.catalog import (
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationDelistRequested,
    PublicationFailed,
    PublicationRequested,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow

from catalog_service.alerts.service import alert_service
from catalog_service.errors import (
    ProductDeleted,
    ProductNotFound,
    PublicationBusy,
    PublicationNotFound,
    PublishBlocked,
)
from catalog_service.models import Product, Publication
from catalog_service.products import repository as products_repo
from catalog_service.publications.requirements import missing, snapshot
from catalog_service.publications.schemas import PublicationOut
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
    return PublicationOut.model_validate(pub, from_attributes=True)


class PublicationService:
    """Publish, delist, and follow what the adapters report."""

    async def request(
        self, scope: Scope, product_id: uuid.UUID, marketplaces: list[Marketplace]
    ) -> list[PublicationOut]:
        """Check every marketplace first (422 with every missing piece), then request the missing listings."""
        product = await products_repo.get_for_update(scope.session, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is not None:
            raise ProductDeleted()
        wanted = list(dict.fromkeys(marketplaces))
        ref = await scope.context.reference.get()
        problems = [p for m in wanted for p in missing(product, m, ref, scope.context.settings)]
        if problems:
            names = ", ".join(f"{p['marketplace']}.{p['field']}" for p in problems)
            raise PublishBlocked(f"Missing: {names}", missing=problems)
        existing = {p.marketplace: p for p in await self._of(scope, product_id, lock=True)}
        out = []
        for marketplace in wanted:
            pub = existing.get(marketplace.value)
            if pub is None:
                pub = Publication(
                    id=uuid.uuid4(), product_id=product.id, marketplace=marketplace.value, status="pending"
                )
                scope.session.add(pub)
            elif not _move(pub, "pending"):
                # Already pending, listing, listed or delisting: a second request changes nothing.
                out.append(to_out(pub))
                continue
            pub.reason = pub.reason_code = pub.retryable = None
            pub.requested_at = pub.updated_at = utcnow()
            pub.attempt = (pub.attempt or 0) + 1
            await scope.session.flush()
            scope.emit(
                PublicationRequested(
                    publication_id=pub.id,
                    product_id=product.id,
                    marketplace=marketplace,
                    attempt=pub.attempt,
                    snapshot=snapshot(product, marketplace, ref, scope.context.settings),
                )
            )
            out.append(to_out(pub))
        return out

    async def revise_live(self, scope: Scope, product: Product) -> tuple[int, int]:
        """One revise per listed publication, with the product as it is now; (revised, still in flight).

        Publications still pending or listing are counted so the caller can try them again later.
        """
        ref = await scope.context.reference.get()
        revised = in_flight = 0
        for pub in await self._of(scope, product.id, lock=True):
            if pub.status in ("pending", "listing", "delisting"):
                in_flight += pub.status != "delisting"
                continue
            if pub.status != "listed":
                continue
            pub.attempt += 1
            pub.updated_at = utcnow()
            marketplace = Marketplace(pub.marketplace)
            scope.emit(
                PublicationRequested(
                    publication_id=pub.id,
                    product_id=product.id,
                    marketplace=marketplace,
                    action="revise",
                    attempt=pub.attempt,
                    external_id=pub.external_id,
                    snapshot=snapshot(product, marketplace, ref, scope.context.settings),
                )
            )
            revised += 1
        return revised, in_flight

    async def delist(self, scope: Scope, product_id: uuid.UUID, marketplace: Marketplace) -> PublicationOut:
        """The seller ends one listing."""
        pub = await scope.session.scalar(
            sa.select(Publication)
            .where(Publication.product_id == product_id, Publication.marketplace == marketplace.value)
            .with_for_update()
        )
        if pub is None:
            raise PublicationNotFound()
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
        sold_at: datetime | None = None,
    ) -> int:
        """Ask every live listing of ``product`` (but one) to end; returns how many were asked.

        ``sold_at``: when the sale happened (the order event's time), to measure the sale → delist-start delay.
        """
        count = 0
        for pub in await self._of(scope, product.id, lock=True):
            if pub.marketplace != except_marketplace and pub.status in LIVE:
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
            .order_by(Publication.marketplace)
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
