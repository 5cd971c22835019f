"""Whole Vinted lists arriving in parts, and the ids they no longer have.

A refresh fetches each list (the catalog tree, brands, colours, conditions, size groups) in parts, one
``marketplace.vinted.reference.fetched`` each. Every part is applied as it comes (``vinted.py``); this module
records which parts of a fetch were seen, with the Vinted ids they carry, under a lock on the fetch's row, so
the part that completes it is known exactly once whatever the order or the repeats. Then every mapping of
that kind whose id the whole list lacks is retired (not deleted: products keep it; a publish names it), and
so is a brand Vinted's answers had added. An older fetch completing after a newer one retires nothing, and a
mapping written by a newer answer is never retired by an older list.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched
from vitrine_kit.db.base import utcnow

from catalog_service.models import Brand, MarketplaceMappingRow, VintedReferenceFetch, VintedReferencePartSeen

VINTED = "vinted"
# Which mappings each whole list speaks for (package sizes are per catalog and chosen anew at each answer).
MAPPING_KIND = {
    ReferenceKind.CATALOGS: "category",
    ReferenceKind.BRANDS: "brand",
    ReferenceKind.COLORS: "colour",
    ReferenceKind.CONDITIONS: "condition",
    ReferenceKind.SIZE_GROUPS: "size",
}
FORGET_AFTER = timedelta(days=7)  # parts of a fetch never completed (the list changed mid-fetch)


def codes_param(codes: list[str]) -> Any:
    """Codes as one array parameter (``= ANY(:codes)``): a list of tens of thousands would pass the
    driver's 32,767 parameters as an ``IN`` list."""
    return sa.bindparam("codes", codes, type_=ARRAY(String))


def whole_list_part(event: VintedReferenceFetched) -> bool:
    """A part of a fetch of a whole list (no keyword, no catalog): its completion can retire ids."""
    return (
        event.part is not None
        and event.keyword is None
        and event.catalog_id is None
        and event.what in MAPPING_KIND
    )


def vinted_ids(event: VintedReferenceFetched) -> list[int]:
    """The ids the mappings of ``event.what`` point at: leaf catalogs, brands, colours, conditions, sizes."""
    match event.what:
        case ReferenceKind.CATALOGS:
            return [c.id for c in event.catalogs if c.leaf]
        case ReferenceKind.BRANDS:
            return [b.id for b in event.brands]
        case ReferenceKind.COLORS:
            return [c.id for c in event.colors]
        case ReferenceKind.CONDITIONS:
            return [c.id for c in event.conditions]
        case ReferenceKind.SIZE_GROUPS:
            return [s.id for g in event.size_groups for s in g.sizes]
        case _:
            return []


class VintedFetches:
    async def part_applied(self, session: AsyncSession, event: VintedReferenceFetched) -> int:
        """Record a part just applied; when it completes its fetch, retire what the list lacks. Returns the
        number of mappings retired."""
        part = event.part
        if part is None or not whole_list_part(event):
            return 0
        await session.execute(
            insert(VintedReferenceFetch)
            .values(
                fetch_id=part.fetch_id,
                what=event.what.value,
                total=part.total,
                fetched_at=event.fetched_at,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["fetch_id"])
        )
        fetch = await session.scalar(
            sa.select(VintedReferenceFetch)
            .where(VintedReferenceFetch.fetch_id == part.fetch_id)
            .with_for_update()
        )
        if fetch is None or fetch.completed_at is not None:
            return 0  # a part delivered again after its fetch was whole: its rows were just rewritten alike
        await session.execute(
            insert(VintedReferencePartSeen)
            .values(fetch_id=part.fetch_id, offset=part.offset, count=part.count, ids=vinted_ids(event))
            .on_conflict_do_nothing(index_elements=["fetch_id", "offset"])
        )
        covered = await session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(VintedReferencePartSeen.count), 0)).where(
                VintedReferencePartSeen.fetch_id == part.fetch_id
            )
        )
        if covered != fetch.total:
            return 0
        fetch.completed_at = utcnow()
        retired = await self._retire(session, fetch, MAPPING_KIND[event.what])
        await self._forget(session, fetch)
        return retired

    async def _retire(self, session: AsyncSession, fetch: VintedReferenceFetch, kind: str) -> int:
        newer = await session.scalar(
            sa.select(sa.func.count()).where(
                VintedReferenceFetch.what == fetch.what,
                VintedReferenceFetch.completed_at.is_not(None),
                VintedReferenceFetch.fetched_at > fetch.fetched_at,
            )
        )
        if newer:
            return 0
        listed = sa.select(sa.cast(sa.func.unnest(VintedReferencePartSeen.ids), sa.String)).where(
            VintedReferencePartSeen.fetch_id == fetch.fetch_id
        )
        written_at = sa.cast(MarketplaceMappingRow.data["fetched_at"].astext, sa.DateTime(timezone=True))
        retired = (
            await session.scalars(
                sa.update(MarketplaceMappingRow)
                .where(
                    MarketplaceMappingRow.marketplace == VINTED,
                    MarketplaceMappingRow.kind == kind,
                    MarketplaceMappingRow.retired_at.is_(None),
                    MarketplaceMappingRow.external_id.not_in(listed),
                    sa.or_(written_at.is_(None), written_at <= fetch.fetched_at),
                )
                .values(retired_at=fetch.fetched_at)
                .returning(MarketplaceMappingRow.code)
            )
        ).all()
        if kind == "brand" and retired:
            await session.execute(
                sa.update(Brand)
                .where(
                    Brand.code == sa.any_(codes_param(list(retired))),
                    Brand.source == VINTED,
                    Brand.retired_at.is_(None),
                )
                .values(retired_at=fetch.fetched_at)
            )
        return len(retired)

    async def _forget(self, session: AsyncSession, fetch: VintedReferenceFetch) -> None:
        """The ids of a whole fetch are no longer needed; nor are fetches of the same list left unfinished."""
        stale = sa.select(VintedReferenceFetch.fetch_id).where(
            VintedReferenceFetch.completed_at.is_(None),
            VintedReferenceFetch.created_at < utcnow() - FORGET_AFTER,
        )
        await session.execute(
            sa.delete(VintedReferencePartSeen).where(
                sa.or_(
                    VintedReferencePartSeen.fetch_id == fetch.fetch_id,
                    VintedReferencePartSeen.fetch_id.in_(stale),
                )
            )
        )
        await session.execute(sa.delete(VintedReferenceFetch).where(VintedReferenceFetch.fetch_id.in_(stale)))


vinted_fetches = VintedFetches()
