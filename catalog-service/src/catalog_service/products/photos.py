"""Photos of products: checked at media-service when attached, taken off products when deleted there."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from vitrine_kit.clients.media import MediaUnavailable
from vitrine_kit.db.base import utcnow

from catalog_service.alerts.schemas import AlertKind
from catalog_service.alerts.service import alert_service
from catalog_service.errors import PhotosUnavailable, UnknownPhotos
from catalog_service.models import Product
from catalog_service.revisions.service import revision_service
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)


class PhotoService:
    async def check(self, scope: Scope, media_ids: Sequence[str | uuid.UUID]) -> None:
        """422 naming every id the tenant has no photo for (made up, or another seller's); 503 if unsure."""
        media = scope.context.media
        wanted = list(dict.fromkeys(uuid.UUID(str(m)) for m in media_ids))
        if media is None or not wanted:
            return
        try:
            found = await media.resolve(scope.tenant_id, wanted)
        except MediaUnavailable as exc:
            logger.warning("photos could not be checked", extra={"error": str(exc)})
            raise PhotosUnavailable("The photos cannot be checked right now; try again in a moment.") from exc
        bad = [str(m) for m in wanted if found.get(m) is None]
        if bad:
            raise UnknownPhotos(
                f"No such photo in your account: {', '.join(bad)}.",
                media_ids=bad,
                errors=[{"field": "images", "message": f"unknown photo {m}", "media_id": m} for m in bad],
            )

    async def on_deleted(self, scope: Scope, media_id: uuid.UUID) -> int:
        """Take a deleted photo off every product showing it; live listings are revised. Returns how many."""
        products = list(
            (
                await scope.session.scalars(
                    sa.select(Product)
                    .where(Product.images.contains([{"media_id": str(media_id)}]))
                    .with_for_update()
                )
            ).all()
        )
        for product in products:
            product.images = [i for i in product.images if i["media_id"] != str(media_id)]
            product.version, product.updated_at = product.version + 1, utcnow()
            await revision_service.schedule(scope, product.id)
            await alert_service.raise_alert(
                scope,
                AlertKind.PHOTO_DELETED,
                product.id,
                {
                    "media_id": str(media_id),
                    "photos_left": len(product.images),
                    "message": "A photo of this product was deleted; it was taken off the product.",
                },
            )
        return len(products)


photo_service = PhotoService()
