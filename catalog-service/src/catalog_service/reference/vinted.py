"""Vinted's own reference answers (``marketplace.vinted.reference.fetched``) kept as catalog's Vinted mappings.

Each answer (a whole list, or one part of it) is matched to our codes and upserted into
``shared.marketplace_mappings`` with ``data.source = "vinted"`` and the time Vinted's list was read (the
committed seed never overwrites those, nor does an older answer), so a second delivery, a re-fetch or a part
arriving late writes the same rows. Once every part of a whole list is in, the ids it lacks are retired
(``vinted_fetches.py``): kept, named at publish, left out of searches. Every row written names the tenant
whose plugin answered (``data.tenant_id``), and an implausible answer is refused (``ReferenceGuard``).

- catalogs: each Vinted category mapping whose id is a leaf of the tree gets its path and
  ``size_group_ids``; one whose id is no longer a leaf of the whole tree is retired;
- size groups: kind ``size``, code ``<group id>/<our size code>`` (a size id belongs to one group), matched
  on any part of Vinted's title ("M / 38 / 10" is ``letter:M`` and ``eu:38``; "W32"; "One size");
- brands: every Vinted brand joins the shared brand list (matched to ours by name or alias first) with its
  ``brand`` mapping; one added this way is retired with its Vinted id;
- colours and conditions: matched on our English label;
- package sizes (per catalog): each category mapped to that catalog keeps its package size if Vinted still
  offers it, else takes the one Vinted recommends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched, VintedSizeGroup

from catalog_service.models import Brand, MarketplaceMappingRow, ReferenceRevision
from catalog_service.reference.catalog import Mapping, ReferenceCatalog, _fold
from catalog_service.reference.seed import brand_row, unique_code
from catalog_service.reference.vinted_fetches import ReferenceGuard, codes_param, vinted_fetches

VINTED = "vinted"


def size_parts(title: str) -> set[str]:
    """The folded parts of a Vinted size title: "M / 38 / 10" → {"m", "38", "10"}."""
    return {f for part in re.split(r"[/|]", title) if (f := _fold(part))}


def size_rows(groups: Iterable[VintedSizeGroup], ref: ReferenceCatalog) -> dict[str, tuple[int, str]]:
    """``<group id>/<our size code>`` → (Vinted size id, its title), for every size of ours a title names."""
    ours: dict[str, list[str]] = {}
    for value in ref.values.get("size", {}).values():
        ours.setdefault(_fold(str(value.data.get("value", value.code))), []).append(value.code)
    found: dict[str, tuple[int, str]] = {}
    for group in groups:
        for size in group.sizes:
            for part in size_parts(size.title):
                for code in ours.get(part, []):
                    found.setdefault(f"{group.id}/{code}", (size.id, size.title))
    return found


def size_id(ref: ReferenceCatalog, group_ids: list[int], size_code: str) -> int | None:
    """The Vinted size id of ``size_code`` in the first of ``group_ids`` that has it (retired ones aside)."""
    for group in group_ids:
        found = ref.mapping(VINTED, "size", f"{group}/{size_code}")
        if found and not found.retired:
            return int(found.external_id)
    return None


def retired_size(ref: ReferenceCatalog, group_ids: list[int], size_code: str) -> Mapping | None:
    """The retired mapping of ``size_code`` in ``group_ids``, when that is all there is."""
    found = [ref.mapping(VINTED, "size", f"{group}/{size_code}") for group in group_ids]
    return next((m for m in found if m is not None and m.retired), None)


class VintedReferenceStore:
    """Applies one fetched answer to the shared mappings (and brand list)."""

    async def apply(
        self,
        session: AsyncSession,
        event: VintedReferenceFetched,
        ref: ReferenceCatalog,
        guard: ReferenceGuard | None = None,
    ) -> int:
        """Upsert what ``event`` says (an answer older than the one a mapping holds changes nothing); when
        it completes a fetch of a whole list, retire what the list lacks. The number of mappings written or
        retired. An implausible answer (``ReferenceGuard``) changes nothing; each row written names the
        tenant whose plugin answered (``data.tenant_id``)."""
        guard = guard or ReferenceGuard()
        if await vinted_fetches.implausible(session, event, guard):
            return 0
        stamp = {"source": VINTED, "fetched_at": event.fetched_at.isoformat()}
        if guard.tenant_id is not None:
            stamp["tenant_id"] = str(guard.tenant_id)
        rows: list[dict[str, Any]] = []
        match event.what:
            case ReferenceKind.CATALOGS:
                rows = self._catalogs(event, ref, stamp)
            case ReferenceKind.SIZE_GROUPS:
                rows = [
                    _row("size", code, str(sid), stamp | {"title": title})
                    for code, (sid, title) in size_rows(event.size_groups, ref).items()
                ]
            case ReferenceKind.BRANDS:
                rows = await self._brands(session, event, ref, stamp)
            case ReferenceKind.COLORS:
                rows = _by_label(ref, "colour", [(c.id, c.title) for c in event.colors], stamp)
            case ReferenceKind.CONDITIONS:
                rows = _by_label(ref, "condition", [(c.id, c.title) for c in event.conditions], stamp)
            case ReferenceKind.PACKAGE_SIZES:
                rows = _package_sizes(event, ref, stamp)
        if rows:
            # executemany: batched into multi-row INSERTs by the driver, no statement compiled per row count.
            await session.execute(_upsert(event), rows)
        retired = await vinted_fetches.part_applied(session, event, guard)
        if rows or retired:
            await bump_revision(session, event.fetched_at)
        return len(rows) + retired

    def _catalogs(
        self, event: VintedReferenceFetched, ref: ReferenceCatalog, stamp: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Each category mapped to a leaf of this answer gets the leaf's path and size groups (a mapped
        catalog missing from the whole tree is retired when the fetch completes)."""
        leaves = {c.id: c for c in event.catalogs if c.leaf}
        rows = []
        for (m, kind, code, gender, site), mapping in ref.mappings.items():
            if m != VINTED or kind != "category":
                continue
            leaf = leaves.get(int(mapping.external_id))
            if leaf is not None:
                data = stamp | {"path": " > ".join(leaf.path), "size_group_ids": leaf.size_group_ids}
                rows.append(_row("category", code, mapping.external_id, data, gender, site))
        return rows

    async def _brands(
        self,
        session: AsyncSession,
        event: VintedReferenceFetched,
        ref: ReferenceCatalog,
        stamp: dict[str, Any],
    ) -> list[dict[str, Any]]:
        taken = set(ref.brands)
        new_brands: dict[str, dict[str, Any]] = {}
        named: dict[str, str] = {}  # folded name → code, for brands added by this answer
        rows: dict[str, dict[str, Any]] = {}
        for brand in event.brands:
            title = brand.title.strip()
            if not title:
                continue
            code = ref.brand_named(title) or named.get(_fold(title))
            if code is None:
                code = unique_code(title, taken, brand.id)
                taken.add(code)
                named[_fold(title)] = code
                new_brands[code] = brand_row(code, title, []) | {"source": VINTED}
            rows.setdefault(code, _row("brand", code, str(brand.id), stamp | {"title": title}))
        if new_brands:
            stmt = insert(Brand).on_conflict_do_nothing(index_elements=["code"])
            await session.execute(stmt, list(new_brands.values()))
        if rows:  # a brand Vinted lists again after it was retired comes back
            await session.execute(
                sa.update(Brand)
                .where(Brand.code == sa.any_(codes_param(list(rows))), Brand.retired_at < event.fetched_at)
                .values(retired_at=None)
            )
        return list(rows.values())


def _upsert(event: VintedReferenceFetched) -> Any:
    """Insert or update a Vinted mapping, unless it holds an answer newer than ``event``'s; one retired by a
    list older than this answer comes back."""
    table = MarketplaceMappingRow
    stmt = insert(table)
    written_at = sa.cast(table.data["fetched_at"].astext, sa.DateTime(timezone=True))
    return stmt.on_conflict_do_update(
        index_elements=["marketplace", "kind", "code", "gender", "site"],
        set_={
            "external_id": stmt.excluded.external_id,
            "data": stmt.excluded.data,
            "retired_at": sa.case((table.retired_at >= event.fetched_at, table.retired_at), else_=None),
        },
        where=sa.or_(
            table.data["source"].astext.is_distinct_from(VINTED),
            written_at.is_(None),
            written_at <= event.fetched_at,
        ),
    )


def _row(
    kind: str, code: str, external_id: str, data: dict[str, Any], gender: str = "", site: str = ""
) -> dict[str, Any]:
    return {
        "marketplace": VINTED,
        "kind": kind,
        "code": code,
        "gender": gender,
        "site": site,
        "external_id": external_id,
        "data": data,
    }


def _by_label(
    ref: ReferenceCatalog, type_: str, entries: list[tuple[int, str]], stamp: dict[str, Any]
) -> list[dict[str, Any]]:
    ours = {_fold(v.labels.get("en", v.code)): v.code for v in ref.values.get(type_, {}).values()}
    return [
        _row(type_, ours[_fold(title)], str(eid), stamp | {"title": title})
        for eid, title in entries
        if _fold(title) in ours
    ]


def _package_sizes(
    event: VintedReferenceFetched, ref: ReferenceCatalog, stamp: dict[str, Any]
) -> list[dict[str, Any]]:
    offered = {p.id for p in event.package_sizes}
    if event.catalog_id is None or not offered:
        return []
    recommended = next((p.id for p in event.package_sizes if p.recommended), event.package_sizes[0].id)
    categories = {
        code
        for (m, kind, code, _, _), mapping in ref.mappings.items()
        if m == VINTED and kind == "category" and mapping.external_id == str(event.catalog_id)
    }
    rows = []
    for code in sorted(categories):
        current = ref.mapping(VINTED, "package_size", code)
        keep = current is not None and int(current.external_id) in offered
        chosen = int(current.external_id) if keep and current else recommended
        rows.append(_row("package_size", code, str(chosen), stamp | {"catalog_id": event.catalog_id}))
    return rows


async def bump_revision(session: AsyncSession, at: datetime) -> None:
    """Tell every replica's reference cache to reload (it checks the revision every few seconds)."""
    await session.execute(
        sa.update(ReferenceRevision)
        .where(ReferenceRevision.id == 1)
        .values(revision=ReferenceRevision.revision + 1, changed_at=at)
    )


vinted_reference_store = VintedReferenceStore()


Problem = tuple[str, str, str]  # (field, code: unmapped or retired, message)


def _usable(found: Mapping | None, field: str, what: str, problems: list[Problem]) -> Mapping | None:
    """``found`` unless Vinted retired its id (then named in ``problems``: the product keeps its value)."""
    if found is not None and found.retired:
        title = found.data.get("title") or found.data.get("path")
        named = f" ('{title}')" if title else ""
        problems.append(
            (field, "retired", f"Vinted no longer offers {what} {found.external_id}{named}: pick another")
        )
        return None
    return found


def resolve(
    ref: ReferenceCatalog,
    *,
    category: str | None,
    gender: str | None,
    size_code: str | None,
    brand: str | None,
    colours: list[str],
    condition: str | None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Every Vinted id a publish needs, from the mappings: (ids, [(field, code, message)]), code
    ``unmapped`` (no mapping) or ``retired`` (Vinted no longer offers the id it maps to).

    ``ids`` has ``catalog_id``, ``status_id``, ``brand_id``, ``size_id``, ``color_ids``,
    ``package_size_id`` (None where unmapped or retired); a field the product lacks is not reported here.
    """
    problems: list[Problem] = []

    def unmapped(field: str, message: str) -> None:
        problems.append((field, "unmapped", message))

    found = ref.mapping(VINTED, "category", category or "", gender or "") if category and gender else None
    if category and gender and found is None:
        unmapped("category", f"no Vinted catalog for {category} ({gender})")
    cat = _usable(found, "category", "catalog", problems)
    found = ref.mapping(VINTED, "condition", condition) if condition else None
    if condition and found is None:
        unmapped("condition", f"no Vinted status for {condition}")
    cond = _usable(found, "condition", "status", problems)
    found = ref.mapping(VINTED, "brand", brand) if brand else None
    name = ref.brands[brand].name if brand and brand in ref.brands else brand
    if brand and found is None:
        unmapped("brand", f"no Vinted brand id for '{name}': refresh Vinted's brands or pick a listed brand")
    brand_map = _usable(found, "brand", f"the brand '{name}', id", problems)
    colour_ids: list[int] = []
    for code in colours:
        found = ref.mapping(VINTED, "colour", code)
        if found is None:
            unmapped("colours", f"no Vinted colour for {code}")
        elif usable := _usable(found, "colours", "colour", problems):
            colour_ids.append(int(usable.external_id))
    package = ref.mapping(VINTED, "package_size", category) if category else None
    if category and package is None:
        unmapped("package_size", f"no Vinted package size for {category}")
    size = _size(ref, cat, size_code, problems)
    ids = {
        "catalog_id": cat.external_id if cat else None,
        "status_id": cond.external_id if cond else None,
        "brand_id": int(brand_map.external_id) if brand_map else None,
        "size_id": size,
        "color_ids": list(dict.fromkeys(colour_ids)),
        "package_size_id": int(package.external_id) if package else None,
    }
    return ids, problems


def _size(
    ref: ReferenceCatalog, cat: Mapping | None, size_code: str | None, problems: list[Problem]
) -> int | None:
    if not size_code or cat is None:
        return None
    groups = [int(g) for g in cat.data.get("size_group_ids") or []]
    size = size_id(ref, groups, size_code)
    if size is None:
        if (gone := retired_size(ref, groups, size_code)) is not None:
            _usable(gone, "size", f"the size {size_code}, id", problems)
            return None
        where = f"catalog {cat.external_id}, size groups {groups}" if groups else f"catalog {cat.external_id}"
        problems.append(("size", "unmapped", f"no Vinted size for {size_code} in {where}"))
    return size
