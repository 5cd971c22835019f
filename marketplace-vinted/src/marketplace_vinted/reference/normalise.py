"""Vinted's reference answers as the event catalog keeps: ``marketplace.vinted.reference.fetched``, the
catalog tree flattened (each node with its path and its leaf's ``size_group_ids``), a whole answer or one
part of a list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from vitrine_contracts.relay.v1 import FetchReferenceParams, ReferenceData, ReferenceKind, flatten_catalogs
from vitrine_contracts.vinted import (
    VintedCatalogEntry,
    VintedColour,
    VintedNamed,
    VintedPackageSize,
    VintedReferenceFetched,
    VintedReferencePart,
    VintedSizeGroup,
)


def _catalog(entry: dict[str, Any]) -> VintedCatalogEntry:
    return VintedCatalogEntry(
        id=int(entry["id"]),
        title=str(entry.get("title", "")),
        parent_id=entry.get("parent_id"),
        path=[str(t) for t in entry.get("path") or []],
        leaf=bool(entry.get("leaf", True)),
        size_group_ids=[int(g) for g in entry.get("size_group_ids") or []],
    )


def _package(entry: dict[str, Any]) -> VintedPackageSize:
    return VintedPackageSize(
        id=entry["id"], title=entry.get("title", ""), recommended=bool(entry.get("is_recommended"))
    )


def typed_list(what: ReferenceKind, entries: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The event's list for ``what`` from Vinted's entries (catalogs already flattened). Raises
    ``ValueError`` (pydantic's included), ``KeyError`` or ``TypeError`` on an entry that does not fit."""
    match what:
        case ReferenceKind.CATALOGS:
            return {"catalogs": [_catalog(e) for e in entries]}
        case ReferenceKind.BRANDS:
            return {"brands": [VintedNamed.model_validate(e) for e in entries]}
        case ReferenceKind.COLORS:
            return {"colors": [VintedColour.model_validate(e) for e in entries]}
        case ReferenceKind.CONDITIONS:
            return {"conditions": [VintedNamed.model_validate(e) for e in entries]}
        case ReferenceKind.SIZE_GROUPS:
            return {"size_groups": [VintedSizeGroup.model_validate(e) for e in entries]}
        case ReferenceKind.PACKAGE_SIZES:
            return {"package_sizes": [_package(e) for e in entries]}


def normalise(
    params: FetchReferenceParams, data: ReferenceData, at: datetime, fetch_id: uuid.UUID | None = None
) -> VintedReferenceFetched:
    """Vinted's answer for ``params.what`` as the event: one part of the list (``data.part``, tagged with
    ``fetch_id``), or a whole body as it came."""
    part = None
    if data.part is not None:
        entries = data.entries or []
        at = data.part.fetched_at
        part = VintedReferencePart(
            fetch_id=fetch_id or uuid.uuid4(),
            offset=data.part.offset,
            count=data.part.count,
            total=data.part.total,
            snapshot=data.part.snapshot,
        )
    else:
        body = data.model_dump(mode="json")
        entries = body.get(params.what.value) or []
        if params.what == ReferenceKind.CATALOGS:
            entries = flatten_catalogs(entries)
    return VintedReferenceFetched(
        what=params.what,
        catalog_id=params.catalog_id,
        keyword=params.keyword or None,
        fetched_at=at,
        part=part,
        **typed_list(params.what, entries),
    )
