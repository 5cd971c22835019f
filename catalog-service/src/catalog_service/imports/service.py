"""Imports of live marketplace listings: each becomes a product with a live publication (or is linked to
one, or skipped when catalog already knows the listing), with its photos fetched into media-service and
the import's progress counted, so a later sale of imported stock is matched and delisted elsewhere.

Photos are fetched in the consumer's ``prepare`` step, before the message's transaction and with no database
connection held while media-service (and the marketplace's image host behind it) answers: a short session,
closed first, says whether the listing will be created at all. Fetching twice (a redelivery) is harmless:
media-service finds a photo fetched before by its bytes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import ListingImported
from vitrine_contracts.vinted import VintedItemImported
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.db.base import utcnow
from vitrine_kit.events.consumer import Preparing
from vitrine_kit.pagination import Keyset

from catalog_service.alerts.schemas import AlertKind
from catalog_service.alerts.service import alert_service
from catalog_service.context import CatalogContext
from catalog_service.errors import ImportNotFound, QuotaExceeded
from catalog_service.imports.media import PhotoRefused, fetch_photo
from catalog_service.imports.schemas import (
    ImportedItemOut,
    ImportOutcome,
    ListingImportOut,
    ListingImportPage,
)
from catalog_service.models import (
    ImportedItem,
    ListingImport,
    MarketplaceAccount,
    Product,
    Publication,
)
from catalog_service.publications import ebay_sites
from catalog_service.publications.requirements import IMAGE_LIMIT
from catalog_service.quotas.service import quota_service
from catalog_service.reference.catalog import ReferenceCatalog
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)
Outcome = ImportOutcome


@dataclass
class Found:
    """A live listing as catalog needs it, whichever marketplace it comes from."""

    marketplace: str
    external_id: str
    title: str
    description: str
    price: Money | None
    quantity: int
    image_urls: list[str]
    url: str | None
    sku: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    # The eBay site of the account the listing is on ('' elsewhere): one publication per site.
    site: str = ""


@dataclass
class Photos:
    """A listing's photos fetched into media-service before its transaction (``fetched`` False: the listing
    needed none when it was prepared)."""

    images: list[uuid.UUID] = field(default_factory=list)
    failed: int = 0
    fetched: bool = False


class PhotosNotFetched(Exception):
    """The listing is to be created after all (the catalog changed since it was prepared): the message is
    retried, and prepared again."""


@dataclass
class Result:
    outcome: ImportOutcome
    product_id: uuid.UUID | None = None
    photos: int = 0
    photos_failed: int = 0
    error: str | None = None


def _first(rows: list[tuple[str, str, str]], site: str = "") -> tuple[str, str, str] | None:
    return next((r for r in rows if r[2] == site), rows[0] if rows else None)


def ebay_fields(ref: ReferenceCatalog, event: ListingImported, site: str) -> dict[str, Any]:
    """Our codes for what eBay says of the listing (category and gender, condition, brand)."""
    listing, out = event.listing, {}
    if listing.category_id and (cat := _first(ref.reverse("ebay", "category", listing.category_id), site)):
        out["category"] = cat[0]
        if cat[1]:
            out["gender"] = cat[1]
    if listing.condition_id and (cond := _first(ref.reverse("ebay", "condition", listing.condition_id))):
        out["condition"] = cond[0]
    own = ebay_sites.ASPECT_NAMES[ebay_sites.language(site)]["brand"]  # "Marque" on eBay FR
    brand = next(iter(listing.aspects.get("Brand") or listing.aspects.get(own) or []), None)
    if brand and (code := ref.brand_named(brand)):
        out["brand"] = code
    return out


def vinted_fields(ref: ReferenceCatalog, event: VintedItemImported) -> dict[str, Any]:
    """Our codes for Vinted's ids (catalog, status, brand, colours)."""
    out: dict[str, Any] = {}
    if event.catalog_id and (cat := _first(ref.reverse("vinted", "category", str(event.catalog_id)))):
        out["category"] = cat[0]
        if cat[1]:
            out["gender"] = cat[1]
    if event.status_id and (cond := _first(ref.reverse("vinted", "condition", str(event.status_id)))):
        out["condition"] = cond[0]
    if event.brand_id and (brand := _first(ref.reverse("vinted", "brand", str(event.brand_id)))):
        out["brand"] = brand[0]
    elif event.brand and (code := ref.brand_named(event.brand)):
        out["brand"] = code
    colours = [c[0] for i in event.color_ids if (c := _first(ref.reverse("vinted", "colour", str(i))))]
    if colours:
        out["colours"] = colours[:2]
    return out


# Newest first, the id breaking ties (ix_listing_imports_created_at backs it).
ORDER = Keyset((ListingImport.created_at, ListingImport.id), TypeAdapter(tuple[datetime, uuid.UUID]))


class ImportService:
    async def prepare_listing(self, preparing: Preparing[CatalogContext], event: ListingImported) -> Photos:
        """The photos of an adapter's imported listing, fetched unless it will not be created."""
        marketplace, listing = event.marketplace.value, event.listing
        import_id = event.import_id or self._daily_import(preparing.tenant_id, marketplace)
        if event.product_id is not None:  # linked to a product: its photos stay
            return Photos()
        return await self._prepare(
            preparing, import_id, marketplace, listing.external_listing_id, listing.image_urls
        )

    async def prepare_vinted_item(
        self, preparing: Preparing[CatalogContext], event: VintedItemImported
    ) -> Photos:
        """The photos of a Vinted item the plugin fetched, unless it will not be created."""
        import_id = self._daily_import(preparing.tenant_id, "vinted")
        return await self._prepare(
            preparing, import_id, "vinted", str(event.vinted_item_id), event.photo_urls
        )

    async def _prepare(
        self,
        preparing: Preparing[CatalogContext],
        import_id: uuid.UUID,
        marketplace: str,
        external_id: str,
        urls: list[str],
    ) -> Photos:
        context, tenant_id = preparing.context, preparing.tenant_id
        async with context.db.tenant_session(tenant_id) as session:
            scope = Scope(session=session, tenant_id=tenant_id, context=context, envelope=preparing.envelope)
            wanted = not await self._handled(scope, import_id, marketplace, external_id)
            wanted = wanted and await quota_service.has_room(scope)
        # The session is closed: no connection is held while media-service answers.
        if not wanted:
            return Photos()
        limit = IMAGE_LIMIT[Marketplace(marketplace)]
        images, failed = await self._photos(context.media, tenant_id, urls[:limit])
        return Photos(images, failed, fetched=True)

    async def on_listing(self, scope: Scope, event: ListingImported, photos: Photos) -> None:
        """An adapter's imported listing (eBay, Etsy)."""
        listing, ref = event.listing, await scope.context.reference.get()
        site = ""
        if event.marketplace == Marketplace.EBAY:
            account = await scope.session.get(MarketplaceAccount, event.account_id)
            site = account.site if account is not None and account.site else scope.context.settings.ebay_site
        fields = ebay_fields(ref, event, site) if event.marketplace == Marketplace.EBAY else {}
        found = Found(
            marketplace=event.marketplace.value,
            external_id=listing.external_listing_id,
            title=listing.title,
            description=listing.description,
            price=listing.price,
            quantity=listing.quantity,
            image_urls=listing.image_urls,
            url=listing.url,
            sku=listing.sku,
            fields=fields,
            site=site,
        )
        import_id = event.import_id or self._daily_import(scope.tenant_id, found.marketplace)
        await self._open(scope, import_id, found.marketplace, event.account_id, event.import_total)
        await self._run(scope, import_id, found, event.product_id, event.publication_id, photos)

    async def on_vinted_item(self, scope: Scope, event: VintedItemImported, photos: Photos) -> None:
        """A Vinted item the plugin fetched for import."""
        ref = await scope.context.reference.get()
        found = Found(
            marketplace="vinted",
            external_id=str(event.vinted_item_id),
            title=event.title,
            description=event.description,
            price=event.price,
            quantity=1,
            image_urls=event.photo_urls,
            url=event.url,
            fields=vinted_fields(ref, event),
        )
        import_id = self._daily_import(scope.tenant_id, "vinted")
        await self._open(scope, import_id, "vinted", None, None)
        await self._run(scope, import_id, found, None, None, photos)

    @staticmethod
    def _daily_import(tenant_id: uuid.UUID, marketplace: str) -> uuid.UUID:
        # Adapters that send items one by one, without an import id: one import per marketplace and day.
        day = datetime.now(UTC).date().isoformat()
        return uuid.uuid5(uuid.NAMESPACE_URL, f"vitrine:import:{tenant_id}:{marketplace}:{day}")

    async def _open(
        self,
        scope: Scope,
        import_id: uuid.UUID,
        marketplace: str,
        account_id: uuid.UUID | None,
        total: int | None,
    ) -> None:
        await scope.session.execute(
            insert(ListingImport)
            .values(
                id=import_id,
                marketplace=marketplace,
                account_id=account_id,
                total=total,
                done=0,
                failed=0,
                skipped=0,
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )

    async def _run(
        self,
        scope: Scope,
        import_id: uuid.UUID,
        found: Found,
        product_id: uuid.UUID | None,
        publication_id: uuid.UUID | None,
        photos: Photos,
    ) -> None:
        seen = await scope.session.get(ImportedItem, (import_id, found.external_id))
        if seen is not None:
            return
        known = await self._known(scope, found.marketplace, found.external_id)
        if known is not None:
            result = Result(Outcome.SKIPPED, known, error="already in Vitrine")
        elif product_id is not None:
            result = await self._link(scope, found, product_id, publication_id)
        else:
            result = await self._create(scope, found, publication_id, photos)
        await self._record(scope, import_id, found, result)

    async def _handled(self, scope: Scope, import_id: uuid.UUID, marketplace: str, external_id: str) -> bool:
        """The listing was recorded in this import already, or catalog knows it: nothing to create."""
        seen = await scope.session.get(ImportedItem, (import_id, external_id))
        return seen is not None or await self._known(scope, marketplace, external_id) is not None

    @staticmethod
    async def _known(scope: Scope, marketplace: str, external_id: str) -> uuid.UUID | None:
        """The product catalog already has this listing on."""
        return await scope.session.scalar(
            sa.select(Publication.product_id).where(
                Publication.marketplace == marketplace, Publication.external_id == external_id
            )
        )

    async def _link(
        self, scope: Scope, found: Found, product_id: uuid.UUID, publication_id: uuid.UUID | None
    ) -> Result:
        product = await scope.session.scalar(
            sa.select(Product).where(Product.id == product_id).with_for_update()
        )
        if product is None or product.deleted_at is not None:
            return Result(Outcome.FAILED, error="the product to link to does not exist")
        pub = await scope.session.scalar(
            sa.select(Publication)
            .where(
                Publication.product_id == product.id,
                Publication.marketplace == found.marketplace,
                Publication.site == found.site,
            )
            .with_for_update()
        )
        if pub is not None and pub.status in ("pending", "listing", "listed", "delisting"):
            return Result(Outcome.FAILED, product.id, error=f"the product is already on {found.marketplace}")
        if pub is None:
            pub = Publication(
                id=publication_id or uuid.uuid4(),
                product_id=product.id,
                marketplace=found.marketplace,
                site=found.site,
            )
            scope.session.add(pub)
        self._live(pub, found)
        if product.status in ("draft", "ready"):
            product.status = "listed"
        product.version, product.updated_at = product.version + 1, utcnow()
        return Result(Outcome.LINKED, product.id)

    async def _create(
        self, scope: Scope, found: Found, publication_id: uuid.UUID | None, photos: Photos
    ) -> Result:
        try:
            await quota_service.admit(scope)
        except QuotaExceeded as exc:
            return Result(Outcome.FAILED, error=exc.detail or exc.title)
        if not photos.fetched and found.image_urls:
            raise PhotosNotFetched(f"listing {found.external_id} is to be created after all: prepared again")
        images, failed = photos.images, photos.failed
        product_id = uuid.uuid4()
        sku = await self._free_sku(scope, found.sku, product_id)
        price = found.price
        scope.session.add(
            Product(
                id=product_id,
                version=1,
                status="listed",
                sku=sku,
                title=found.title[:500],
                description=found.description,
                price=price.amount if price else None,
                currency=price.currency if price else scope.context.settings.default_currency,
                stock_quantity=max(found.quantity, 1),
                images=[{"media_id": str(m), "is_label": False} for m in images],
                notes=f"Imported from {found.marketplace} ({found.url or found.external_id}).",
                **found.fields,
            )
        )
        await scope.session.flush()
        pub = Publication(
            id=publication_id or uuid.uuid4(),
            product_id=product_id,
            marketplace=found.marketplace,
            site=found.site,
        )
        scope.session.add(pub)
        self._live(pub, found)
        return Result(Outcome.CREATED, product_id, photos=len(images), photos_failed=failed)

    @staticmethod
    async def _photos(
        media: MediaClient | None, tenant_id: uuid.UUID, urls: list[str]
    ) -> tuple[list[uuid.UUID], int]:
        """The photos fetched into media-service, in order; a refused one is counted, not fatal.

        media-service being unreachable raises: the message is retried, and photos already fetched are found
        again by their bytes.
        """
        if media is None:
            return [], len(urls)
        images: list[uuid.UUID] = []
        failed = 0
        for url in urls:
            try:
                image = await fetch_photo(media, tenant_id, url)
            except PhotoRefused as exc:
                logger.info("imported photo refused", extra={"url": url[:200], "reason": str(exc)})
                failed += 1
                continue
            if image not in images:
                images.append(image)
        return images, failed

    async def _free_sku(self, scope: Scope, wanted: str | None, product_id: uuid.UUID) -> str:
        sku = (wanted or "").strip()[:100]
        if sku:
            taken = await scope.session.scalar(
                sa.select(Product.id).where(Product.sku == sku, Product.deleted_at.is_(None))
            )
            if taken is None:
                return sku
        return f"VT-{product_id.hex[:10].upper()}"

    @staticmethod
    def _live(pub: Publication, found: Found) -> None:
        now = utcnow()
        pub.status, pub.external_id, pub.url = "listed", found.external_id, found.url
        pub.reason = pub.reason_code = pub.retryable = None
        pub.attempt = pub.attempt or 0
        pub.requested_at = pub.requested_at or now
        pub.listed_at, pub.updated_at = now, now

    async def _record(self, scope: Scope, import_id: uuid.UUID, found: Found, result: Result) -> None:
        scope.session.add(
            ImportedItem(
                import_id=import_id,
                external_listing_id=found.external_id,
                outcome=result.outcome.value,
                product_id=result.product_id,
                photos=result.photos,
                photos_failed=result.photos_failed,
                error=result.error,
                at=utcnow(),
            )
        )
        column = {Outcome.FAILED: "failed", Outcome.SKIPPED: "skipped"}.get(result.outcome, "done")
        await scope.session.execute(
            sa.update(ListingImport)
            .where(ListingImport.id == import_id)
            .values({column: getattr(ListingImport, column) + 1, "updated_at": utcnow()})
        )
        if result.outcome == Outcome.FAILED or result.photos_failed:
            problem = result.error or f"{result.photos_failed} photo(s) could not be fetched"
            await alert_service.raise_alert(
                scope,
                AlertKind.IMPORT_FAILED,
                result.product_id,
                {
                    "import_id": str(import_id),
                    "marketplace": found.marketplace,
                    "external_listing_id": found.external_id,
                    "title": found.title,
                    "reason": problem,
                },
            )
        logger.info(
            "listing imported",
            extra={"import": str(import_id), "listing": found.external_id, "outcome": result.outcome.value},
        )

    async def recent(self, scope: Scope, limit: int, cursor: str | None = None) -> ListingImportPage:
        stmt = ORDER.select(sa.select(ListingImport), limit=limit, cursor=cursor)
        items, next_cursor = ORDER.page((await scope.session.scalars(stmt)).all(), limit)
        return ListingImportPage(items=[_out(i) for i in items], next_cursor=next_cursor)

    async def get(self, scope: Scope, import_id: uuid.UUID) -> ListingImportOut:
        found = await scope.session.get(ListingImport, import_id)
        if found is None:
            raise ImportNotFound()
        items = await scope.session.scalars(
            sa.select(ImportedItem).where(ImportedItem.import_id == import_id).order_by(ImportedItem.at)
        )
        out = _out(found)
        out.items = [ImportedItemOut.model_validate(i, from_attributes=True) for i in items]
        return out


def _out(row: ListingImport) -> ListingImportOut:
    handled = row.done + row.failed + row.skipped
    return ListingImportOut(
        id=row.id,
        marketplace=row.marketplace,
        account_id=row.account_id,
        total=row.total,
        done=row.done,
        failed=row.failed,
        skipped=row.skipped,
        finished=row.total is not None and handled >= row.total,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


import_service = ImportService()
