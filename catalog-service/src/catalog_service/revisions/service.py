"""Revisions: changes to a listed product become one revise per live listing, coalesced over a window.

An edit (or a partial sale) upserts one ``revisions_due`` row per product; ``revisions.loop`` claims the
due rows and emits the revises with the product as it is then, so edits in quick succession make one revise.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.db.base import utcnow

from catalog_service.models import Product, Publication, RevisionDue
from catalog_service.publications.service import publication_service
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)
# The product fields a marketplace listing shows: a change to any of them is worth a revise.
LISTED_FIELDS = frozenset(
    {
        "title", "description", "price", "currency", "stock_quantity", "images", "attributes", "brand",
        "category", "size_system", "size", "colours", "materials", "condition", "gender",
        "measurements_cm", "flaws",
    }
)  # fmt: skip


class RevisionService:
    async def schedule(self, scope: Scope, product_id: uuid.UUID, *, now: bool = False) -> None:
        """Revise ``product_id``'s live listings after the window (``now``: at the next tick)."""
        if not await self._has_live(scope, product_id):
            return
        delay = 0.0 if now else scope.context.settings.revision_window_s
        due = utcnow() + timedelta(seconds=delay)
        stmt = insert(RevisionDue).values(
            tenant_id=scope.tenant_id, product_id=product_id, due_at=due, first_change_at=utcnow()
        )
        # The earliest due time wins: a later edit joins the pending revise instead of pushing it back.
        await scope.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[RevisionDue.tenant_id, RevisionDue.product_id],
                set_={"due_at": sa.func.least(RevisionDue.due_at, stmt.excluded.due_at)},
            )
        )

    async def _has_live(self, scope: Scope, product_id: uuid.UUID) -> bool:
        found = await scope.session.scalar(
            sa.select(Publication.id)
            .where(
                Publication.product_id == product_id,
                Publication.status.in_(("pending", "listing", "listed")),
            )
            .limit(1)
        )
        return found is not None

    async def revise(self, scope: Scope, product_id: uuid.UUID) -> bool:
        """Emit the product's revises (or its delists when nothing is left); True to look again later."""
        product = await scope.session.scalar(
            sa.select(Product).where(Product.id == product_id).with_for_update()
        )
        if product is None or product.deleted_at is not None or product.status in ("sold", "archived"):
            return False
        if product.stock_quantity == 0:
            await publication_service.delist_live(scope, product, "out_of_stock")
            return False
        revised, in_flight = await publication_service.revise_live(scope, product)
        logger.info("revisions sent", extra={"product": str(product_id), "revised": revised})
        return in_flight > 0


revision_service = RevisionService()
