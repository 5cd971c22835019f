"""A reference fetch is a job; its answer is the job's result, and, normalised, the event
``marketplace.vinted.reference.fetched`` that catalog keeps as its Vinted mappings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from vitrine_contracts.relay.v1 import FetchReferenceParams, ReferenceData, ReferenceKind
from vitrine_contracts.vinted import (
    VintedCatalogEntry,
    VintedColour,
    VintedNamed,
    VintedPackageSize,
    VintedReferenceFetched,
    VintedSizeGroup,
)
from vitrine_kit.db.base import utcnow

from marketplace_vinted.jobs.queue import job_queue
from marketplace_vinted.jobs.schemas import JobOut
from marketplace_vinted.models import Job
from marketplace_vinted.scope import Scope

# A refresh asks about at most this many catalogs (package sizes and conditions are per catalog): each is a
# read through the seller's tab, and Vinted watches bursts.
MAX_REFRESH_CATALOGS = 50


def _flatten(
    nodes: list[dict[str, Any]], parent: int | None, path: list[str], out: list[VintedCatalogEntry]
) -> None:
    for node in nodes:
        here = [*path, str(node.get("title", ""))]
        children = node.get("catalogs") or []
        out.append(
            VintedCatalogEntry(
                id=int(node["id"]),
                title=str(node.get("title", "")),
                parent_id=parent,
                path=here,
                leaf=not children,
                size_group_ids=[int(g) for g in node.get("size_group_ids") or []],
            )
        )
        _flatten(children, int(node["id"]), here, out)


def normalise(params: FetchReferenceParams, data: ReferenceData, at: datetime) -> VintedReferenceFetched:
    """Vinted's answer for ``params.what`` as the event's typed list (the tree flattened)."""
    body = data.model_dump(mode="json")
    lists: dict[str, Any] = {}
    match params.what:
        case ReferenceKind.CATALOGS:
            catalogs: list[VintedCatalogEntry] = []
            _flatten(body.get("catalogs") or [], None, [], catalogs)
            lists["catalogs"] = catalogs
        case ReferenceKind.BRANDS:
            lists["brands"] = [VintedNamed.model_validate(b) for b in body.get("brands") or []]
        case ReferenceKind.COLORS:
            lists["colors"] = [VintedColour.model_validate(c) for c in body.get("colors") or []]
        case ReferenceKind.CONDITIONS:
            lists["conditions"] = [VintedNamed.model_validate(c) for c in body.get("conditions") or []]
        case ReferenceKind.SIZE_GROUPS:
            lists["size_groups"] = [VintedSizeGroup.model_validate(g) for g in body.get("size_groups") or []]
        case ReferenceKind.PACKAGE_SIZES:
            lists["package_sizes"] = [
                VintedPackageSize(
                    id=p["id"], title=p.get("title", ""), recommended=bool(p.get("is_recommended"))
                )
                for p in body.get("package_sizes") or []
            ]
    return VintedReferenceFetched(
        what=params.what,
        catalog_id=params.catalog_id,
        keyword=params.keyword or None,
        fetched_at=at,
        **lists,
    )


class ReferenceService:
    async def request(
        self, scope: Scope, what: ReferenceKind, catalog_id: int | None, keyword: str | None
    ) -> JobOut:
        """Each request fetches anew (reference data changes on Vinted's side)."""
        params = FetchReferenceParams(what=what, catalog_id=catalog_id, keyword=keyword)
        job = await job_queue.enqueue(scope, params, f"ref:{what.value}:{catalog_id}:{uuid.uuid4().hex}")
        return JobOut.of(job)

    async def refresh(self, scope: Scope, catalog_ids: list[int]) -> list[JobOut]:
        """Every kind once (the whole tree, every brand, colour and size group), and conditions and package
        sizes for each of ``catalog_ids`` (without them, conditions once for all catalogs)."""
        wanted = [
            FetchReferenceParams(what=ReferenceKind.CATALOGS),
            FetchReferenceParams(what=ReferenceKind.BRANDS),
            FetchReferenceParams(what=ReferenceKind.COLORS),
            FetchReferenceParams(what=ReferenceKind.SIZE_GROUPS),
        ]
        if not catalog_ids:
            wanted.append(FetchReferenceParams(what=ReferenceKind.CONDITIONS))
        for catalog_id in dict.fromkeys(catalog_ids):
            wanted.append(FetchReferenceParams(what=ReferenceKind.CONDITIONS, catalog_id=catalog_id))
            wanted.append(FetchReferenceParams(what=ReferenceKind.PACKAGE_SIZES, catalog_id=catalog_id))
        batch = uuid.uuid4().hex
        out = []
        for params in wanted:
            key = f"ref:{params.what.value}:{params.catalog_id}:{batch}"
            out.append(JobOut.of(await job_queue.enqueue(scope, params, key, priority=8)))
        return out

    async def fetched(self, scope: Scope, job: Job, data: ReferenceData) -> None:
        """Tell catalog what Vinted answered."""
        params = FetchReferenceParams.model_validate(job.params)
        scope.emit(normalise(params, data, job.completed_at or utcnow()))


reference_service = ReferenceService()
