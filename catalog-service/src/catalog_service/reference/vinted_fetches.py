"""Whole Vinted lists arriving in parts, and the ids they no longer have.

A refresh fetches each list (the catalog tree, brands, colours, conditions, size groups) in parts, one
``marketplace.vinted.reference.fetched`` each. Every part is applied as it comes (``vinted.py``); this module
records which parts of a fetch were seen, with the Vinted ids they carry, under a lock on the fetch's row, so
the part that completes it is known exactly once whatever the order or the repeats. Then every mapping of
that kind whose id the whole list lacks is retired (not deleted: products keep it; a publish names it), and
so is a brand Vinted's answers had added. An older fetch completing after a newer one retires nothing, and a
mapping written by a newer answer is never retired by an older list.

The lists come through one seller's plugin but feed the mappings of every tenant, so an implausible one is
refused (``ReferenceGuard``): a list declaring more entries than ``MAX_REFERENCE_TOTAL`` or ten times fewer
than the ids mapped of its kind is not applied at all, and a whole list that would retire more than
``vinted_retire_max_share`` of the active mappings of its kind (and more than ``vinted_retire_min_rows``)
retires nothing. Each refusal is logged and counted; a retired mapping names the tenant whose list retired
it (``data.retired_by``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.relay.v1 import MAX_REFERENCE_TOTAL, ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched
from vitrine_kit.db.base import utcnow

from catalog_service.models import Brand, MarketplaceMappingRow, VintedReferenceFetch, VintedReferencePartSeen

logger = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class ReferenceGuard:
    """Whose plugin answered, and how far one answer may change the shared mappings: ``refused(what,
    reason)`` counts an answer (or a retirement) refused."""

    tenant_id: uuid.UUID | None = None
    max_share: float = 0.1
    min_rows: int = 20
    refused: Callable[[str, str], None] = lambda what, reason: None

    def refuse(self, event: VintedReferenceFetched, reason: str, **figures: Any) -> None:
        part = event.part
        logger.warning(
            "vinted reference refused: %s",
            reason,
            extra={
                "what": event.what.value,
                "reason": reason,
                "fetch_id": str(part.fetch_id) if part else None,
                "tenant_id": str(self.tenant_id),
                **figures,
            },
        )
        self.refused(event.what.value, reason)


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


def _mapped_id(kind: str) -> Any:
    """What one entry of a list of ``kind`` names: the mapping's Vinted id; a size group for sizes (their
    codes are ``<group id>/<our size code>``, and a size group list counts groups)."""
    row = MarketplaceMappingRow
    return sa.func.split_part(row.code, "/", 1) if kind == "size" else row.external_id


class VintedFetches:
    async def implausible(
        self, session: AsyncSession, event: VintedReferenceFetched, guard: ReferenceGuard
    ) -> bool:
        """Whether ``event`` is refused whole (counted and logged): a part of a list declaring more entries
        than any list of its kind has, or, of a whole list, ten times fewer than the ids mapped of its kind."""
        part = event.part
        if part is None:
            return False
        bound = MAX_REFERENCE_TOTAL[event.what]
        if part.total > bound:
            guard.refuse(event, "over_bound", total=part.total, bound=bound)
            return True
        if not whole_list_part(event):
            return False
        kind = MAPPING_KIND[event.what]
        row = MarketplaceMappingRow
        mapped = await session.scalar(
            sa.select(sa.func.count(sa.distinct(_mapped_id(kind)))).where(
                row.marketplace == VINTED, row.kind == kind, row.retired_at.is_(None)
            )
        )
        if mapped and mapped > guard.min_rows and part.total * 10 < mapped:
            guard.refuse(event, "too_small", total=part.total, mapped=mapped)
            return True
        return False

    async def part_applied(
        self, session: AsyncSession, event: VintedReferenceFetched, guard: ReferenceGuard
    ) -> int:
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
        retired = await self._retire(session, event, fetch, MAPPING_KIND[event.what], guard)
        await self._forget(session, fetch)
        return retired

    async def _retire(
        self,
        session: AsyncSession,
        event: VintedReferenceFetched,
        fetch: VintedReferenceFetch,
        kind: str,
        guard: ReferenceGuard,
    ) -> int:
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
        row = MarketplaceMappingRow
        written_at = sa.cast(row.data["fetched_at"].astext, sa.DateTime(timezone=True))
        active = (row.marketplace == VINTED, row.kind == kind, row.retired_at.is_(None))
        lacking = sa.and_(
            row.external_id.not_in(listed), sa.or_(written_at.is_(None), written_at <= fetch.fetched_at)
        )
        counted = (
            await session.execute(
                sa.select(sa.func.count().filter(lacking), sa.func.count()).select_from(row).where(*active)
            )
        ).one()
        would, of = int(counted[0]), int(counted[1])
        if would > guard.min_rows and would > guard.max_share * of:
            guard.refuse(event, "retires_too_many", would_retire=would, active=of)
            return 0
        stamp = {"retired_by": str(guard.tenant_id)} if guard.tenant_id else {}
        retired = (
            await session.scalars(
                sa.update(row)
                .where(*active, lacking)
                .values(retired_at=fetch.fetched_at, data=row.data.op("||")(sa.cast(stamp, JSONB)))
                .returning(row.code)
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
