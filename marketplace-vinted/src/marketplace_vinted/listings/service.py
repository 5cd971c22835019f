"""Listings: catalog's publish and delist commands become jobs, and the jobs' results become listings and
catalog's publication events. Each command is keyed by its publication and its attempt (catalog numbers
every publish, revise and delist): a redelivered command has no second effect, a new attempt always acts, an
older one than the last seen is stale and ignored."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Literal

from vitrine_contracts.catalog import (
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationDelistRequested,
    PublicationFailed,
    PublicationRequested,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ImportedListing, ListingImported
from vitrine_contracts.relay.v1 import (
    DelistData,
    DelistParams,
    FetchItemData,
    FetchItemParams,
    JobError,
    JobKind,
    PhotoRef,
    PublishData,
    PublishParams,
    UpdateData,
    UpdateParams,
)
from vitrine_kit.db.base import utcnow

from marketplace_vinted.accounts.repository import account_id
from marketplace_vinted.alerts.service import alert_service
from marketplace_vinted.devices import repository as devices_repo
from marketplace_vinted.errors import ItemLinkedElsewhere, ProductOnVintedAlready
from marketplace_vinted.jobs import repository as jobs_repo
from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.listings import repository as repo
from marketplace_vinted.listings.item import ListingRuleError, vinted_item, vinted_price
from marketplace_vinted.listings.schemas import LinkIn, ListingOut, ListingPage
from marketplace_vinted.models import AlertKind, Job, JobContext, JobStatus, Listing, ListingStatus
from marketplace_vinted.scope import Scope

logger = logging.getLogger(__name__)
DELIST_PRIORITY = 0  # a sale elsewhere must never wait behind publishes


def seller_reason(error: JobError) -> str:
    """What the seller reads on the publication: Vinted's refusal in words, with the fields it named."""
    if error.code == "validation" and error.fields:
        return "Vinted refused the listing: " + "; ".join(
            f"{k}: {v}" for k, v in sorted(error.fields.items())
        )
    return {
        "session_expired": "Your Vinted session expired: log in to Vinted in your browser.",
        "not_found": "Vinted no longer has this item.",
        "unsupported": "Your Vitrine plugin cannot do this yet: update it.",
    }.get(error.code, f"Vinted could not do it: {error.message}")


class ListingService:
    async def page(self, scope: Scope, *, limit: int, cursor: str | None) -> ListingPage:
        listings, next_cursor = await repo.listings_page(scope.session, limit=limit, cursor=cursor)
        return ListingPage(items=[ListingOut.model_validate(li) for li in listings], next_cursor=next_cursor)

    # --- catalog's commands ------------------------------------------------------------------------------

    async def request_publish(self, scope: Scope, event: PublicationRequested) -> None:
        """List the product, or update the item when it is live already (a revise)."""
        publication, attempt = event.publication_id, event.attempt
        listing = await self._for_command(scope, event)
        if listing is not None and listing.stale(attempt):
            logger.info(
                "stale publish attempt ignored",
                extra={"publication_id": str(publication), "attempt": attempt},
            )
            return
        try:
            item = vinted_item(event.snapshot)
        except ListingRuleError as exc:
            scope.emit(self._failed(event, str(exc), "vinted-rules", attempt))
            return
        if listing is not None:
            listing.seen(attempt)
        if listing is not None and listing.status is ListingStatus.LINKING:
            reason = (
                f"The product is being linked to Vinted item {listing.vinted_item_id}; try again in a moment."
            )
            scope.emit(self._failed(event, reason, "vinted-link-pending", attempt))
            return
        context = JobContext(publication_id=publication, product_id=event.product_id, attempt=attempt)
        item_id = listing.vinted_item_id if listing is not None and listing.live else None
        if item_id is None and event.action == "revise" and event.external_id and event.external_id.isdigit():
            item_id = int(event.external_id)  # an item Vitrine did not list (imported): revised all the same
        if item_id is not None:
            update = UpdateParams(item_id=item_id, item=item)
            await job_queue.enqueue(scope, update, f"update:{publication}:{attempt}", context=context)
            return
        if await jobs_repo.active_for(scope.session, JobKind.PUBLISH, publication) is not None:
            return  # this publication's publish is on its way already: one Vinted item, never two
        if listing is None:
            listing = Listing(id=uuid.uuid4(), publication_id=publication, product_id=event.product_id)
            listing.seen(attempt)
            scope.session.add(listing)
        listing.start_publishing(item.title, vinted_price(event.snapshot.price.amount), item.currency)
        images = event.snapshot.images
        params = PublishParams(photos=[PhotoRef(url=i.url) for i in images], item=item)
        context.media_ids = [i.media_id for i in images]
        await job_queue.enqueue(scope, params, f"publish:{publication}:{attempt}", context=context)

    async def request_delist(self, scope: Scope, event: PublicationDelistRequested) -> None:
        """Delete the item on Vinted; a publish still waiting in the queue is simply not sent, one already at
        the plugin is followed by the delete as soon as the item exists."""
        now, publication, attempt = utcnow(), event.publication_id, event.attempt
        listing = await self._for_command(scope, event)
        if listing is not None:
            if listing.stale(attempt):
                logger.info("stale delist attempt ignored", extra={"publication_id": str(publication)})
                return
            listing.seen(attempt)
        if listing is not None and listing.status is ListingStatus.PUBLISHING:
            waiting = await jobs_repo.active_for(scope.session, JobKind.PUBLISH, publication)
            if waiting is not None and waiting.status is JobStatus.QUEUED:
                waiting.cancel(now)
                listing.close(ListingStatus.DELISTED, now)
                scope.emit(self._delisted(publication, event.product_id, attempt, None))
            elif waiting is not None:
                listing.delist_when_listed(attempt)
            return
        item_id = listing.vinted_item_id if listing is not None else None
        if item_id is None and event.external_id and event.external_id.isdigit():
            item_id = int(event.external_id)
        if item_id is None:
            scope.emit(self._delisted(publication, event.product_id, attempt, None))  # never reached Vinted
            return
        await self._delist(scope, publication, event.product_id, item_id, attempt)

    async def _delist(
        self, scope: Scope, publication: uuid.UUID, product: uuid.UUID, item_id: int, attempt: int | None
    ) -> None:
        if await jobs_repo.active_for(scope.session, JobKind.DELIST, publication) is not None:
            return
        context = JobContext(publication_id=publication, product_id=product, attempt=attempt)
        key = f"delist:{publication}:{attempt}"
        await job_queue.enqueue(
            scope, DelistParams(item_id=item_id), key, context=context, priority=DELIST_PRIORITY
        )
        if not await devices_repo.online(scope.session):
            await alert_service.waiting_delists(scope)

    async def _for_command(
        self, scope: Scope, event: PublicationRequested | PublicationDelistRequested
    ) -> Listing | None:
        """The listing a command is about: by its publication, else the item the seller linked to the product
        (catalog names it by its own publication id, which the listing takes)."""
        listing = await repo.for_publication(scope.session, event.publication_id)
        if listing is not None and listing.live:
            return listing
        linked = await repo.linked_for_product(scope.session, event.product_id)
        if linked is None or linked is listing:
            return listing
        if listing is not None:
            listing.release_publication()  # an earlier attempt's row; the linked item is the listing now
            await scope.session.flush()
        linked.adopt(event.publication_id)
        return linked

    async def link(self, scope: Scope, vinted_item_id: int, body: LinkIn) -> tuple[ListingOut, bool]:
        """Link an item already on Vinted to a product: the plugin checks the item is the seller's, then
        catalog hears of it (``marketplace.listing.imported`` with the product). The same link again is
        answered with the same listing; a link that contradicts one is refused, naming it. Returns the
        listing and whether it was made now."""
        new_id = None
        if await repo.open_for_product(scope.session, body.product_id) is None:
            new_id = await repo.insert_link(scope.session, body.product_id, vinted_item_id)
        listing = await repo.by_item(scope.session, vinted_item_id)
        if listing is None or listing.product_id != body.product_id:
            if listing is not None:
                raise ItemLinkedElsewhere(
                    f"Vinted item {vinted_item_id} is linked to product {listing.product_id}",
                    vinted_item_id=vinted_item_id,
                    product_id=str(listing.product_id),
                )
            other = await repo.open_for_product(scope.session, body.product_id)
            held = other.vinted_item_id if other is not None else None
            raise ProductOnVintedAlready(
                f"Product {body.product_id} is on Vinted already "
                + (f"as item {held}" if held else "(being listed)"),
                product_id=str(body.product_id),
                vinted_item_id=held,
            )
        if new_id is not None:
            context = JobContext(product_id=body.product_id, link_listing_id=listing.id)
            await job_queue.enqueue(
                scope, FetchItemParams(item_id=vinted_item_id), f"link:{listing.id}", context=context
            )
        return ListingOut.model_validate(listing), new_id is not None

    # --- job results -------------------------------------------------------------------------------------

    async def published(self, scope: Scope, job: Job, data: PublishData) -> None:
        meta, now = job.meta, utcnow()
        listing = await self._of(scope, meta.publication_id)
        if listing is None or meta.publication_id is None or meta.product_id is None:
            return
        listing.mark_live(data.item_id, data.url, now)
        scope.emit(
            PublicationSucceeded(
                publication_id=meta.publication_id,
                product_id=meta.product_id,
                marketplace=Marketplace.VINTED,
                external_id=str(data.item_id),
                url=data.url,
                listed_at=now,
                attempt=meta.attempt,
            )
        )
        delist_attempt = listing.take_pending_delist()
        if delist_attempt is not None:  # ended while it was being listed: delete it now it exists
            await self._delist(scope, meta.publication_id, meta.product_id, data.item_id, delist_attempt)

    async def revised(self, scope: Scope, job: Job, data: UpdateData) -> None:
        """Vinted took the update: the listing shows the new title and price; catalog hears it succeeded."""
        meta, params = job.meta, UpdateParams.model_validate(job.params)
        if meta.publication_id is None or meta.product_id is None:
            return
        listing = await repo.for_publication(scope.session, meta.publication_id)
        if listing is not None:
            price = vinted_price(Decimal(str(params.item.price)))
            listing.revised(params.item.title, price, params.item.currency)
        scope.emit(
            PublicationSucceeded(
                publication_id=meta.publication_id,
                product_id=meta.product_id,
                marketplace=Marketplace.VINTED,
                external_id=str(data.item_id),
                url=listing.url if listing is not None else None,
                listed_at=listing.listed_at if listing is not None else None,
                action="revise",
                attempt=meta.attempt,
            )
        )

    async def delisted(self, scope: Scope, job: Job, data: DelistData) -> None:
        meta, now = job.meta, utcnow()
        if meta.publication_id is None or meta.product_id is None:
            return
        listing = await repo.for_publication(scope.session, meta.publication_id)
        if listing is None or listing.vinted_item_id != data.item_id:
            listing = await repo.by_item(scope.session, data.item_id)
        if listing is not None and listing.status is ListingStatus.LIVE:
            listing.close(ListingStatus.DELISTED, now)
        scope.emit(self._delisted(meta.publication_id, meta.product_id, meta.attempt, data.item_id))
        await alert_service.resolve_subject(scope, str(meta.publication_id))

    async def linked(self, scope: Scope, job: Job, data: FetchItemData) -> None:
        """The plugin found the linked item in the seller's wardrobe: live, and catalog records it."""
        meta, item = job.meta, data.item
        listing = await repo.get(scope.session, meta.link_listing_id) if meta.link_listing_id else None
        if listing is None or listing.status is not ListingStatus.LINKING:
            return
        listing.mark_live(item.id, item.url, utcnow())
        listing.revised(item.title, vinted_price(item.price), item.currency)
        if listing.publication_id is None:
            listing.adopt(listing.id)  # catalog's publication takes this id (the contract's way to name it)
        scope.emit(
            ListingImported(
                marketplace=Marketplace.VINTED,
                account_id=account_id(scope.tenant_id),
                product_id=listing.product_id,
                publication_id=listing.publication_id,
                listing=ImportedListing(
                    external_listing_id=str(item.id),
                    title=item.title,
                    description=item.description,
                    price=Money(amount=vinted_price(item.price), currency=item.currency),
                    image_urls=[p.url for p in item.photos],
                    category_id=str(item.catalog_id) if item.catalog_id else None,
                    condition_id=str(item.status_id) if item.status_id else None,
                    url=item.url,
                ),
            )
        )

    async def failed(self, scope: Scope, job: Job, reason: str, code: str) -> None:
        """A publish, update, delist or link the plugin could not do (or answered unreadably)."""
        meta = job.meta
        if job.kind is JobKind.FETCH_ITEM and meta.link_listing_id is not None:
            await self._link_refused(scope, meta.link_listing_id, reason)
            return
        if meta.publication_id is None or meta.product_id is None:
            return
        if job.kind is JobKind.DELIST:
            scope.emit(
                PublicationDelistFailed(
                    publication_id=meta.publication_id,
                    product_id=meta.product_id,
                    marketplace=Marketplace.VINTED,
                    reason=reason,
                    attempt=meta.attempt,
                )
            )
            return
        if job.kind is JobKind.PUBLISH:
            listing = await repo.for_publication(scope.session, meta.publication_id)
            if listing is not None:
                listing.mark_failed()
        action: Literal["publish", "revise"] = "revise" if job.kind is JobKind.UPDATE else "publish"
        scope.emit(
            PublicationFailed(
                publication_id=meta.publication_id,
                product_id=meta.product_id,
                marketplace=Marketplace.VINTED,
                reason=reason,
                code=code,
                retryable=False,
                action=action,
                attempt=meta.attempt,
            )
        )

    async def _link_refused(self, scope: Scope, listing_id: uuid.UUID, reason: str) -> None:
        listing = await repo.get(scope.session, listing_id)
        if listing is None or listing.status is not ListingStatus.LINKING:
            return
        item_id = listing.vinted_item_id
        listing.link_refused()
        message = f"Vinted item {item_id} could not be linked: {reason}"
        await alert_service.raise_once(scope, AlertKind.LINK_FAILED, message, subject=str(listing.id))

    async def _of(self, scope: Scope, publication_id: uuid.UUID | None) -> Listing | None:
        if publication_id is None:
            return None
        listing = await repo.for_publication(scope.session, publication_id)
        if listing is None:
            logger.warning(
                "a result for a publication with no listing", extra={"publication_id": str(publication_id)}
            )
        return listing

    @staticmethod
    def _failed(event: PublicationRequested, reason: str, code: str, attempt: int) -> PublicationFailed:
        return PublicationFailed(
            publication_id=event.publication_id,
            product_id=event.product_id,
            marketplace=Marketplace.VINTED,
            reason=reason,
            code=code,
            retryable=False,
            action=event.action,
            attempt=attempt,
        )

    @staticmethod
    def _delisted(
        publication_id: uuid.UUID, product_id: uuid.UUID, attempt: int | None, item_id: int | None
    ) -> PublicationDelisted:
        return PublicationDelisted(
            publication_id=publication_id,
            product_id=product_id,
            marketplace=Marketplace.VINTED,
            delisted_at=utcnow(),
            by="vitrine",
            external_id=str(item_id) if item_id is not None else None,
            attempt=attempt,
        )


listing_service = ListingService()
