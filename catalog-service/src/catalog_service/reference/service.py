"""Listing and searching reference data."""

from __future__ import annotations

import logging
from datetime import timedelta

from vitrine_contracts.vinted import VintedReferenceFetched
from vitrine_kit.db.base import utcnow

from catalog_service.errors import ReferenceTypeNotFound
from catalog_service.reference.catalog import ReferenceCatalog, load_catalog
from catalog_service.reference.schemas import MappingOut, ReferenceTypes, ValueOut
from catalog_service.reference.seed import normalise
from catalog_service.reference.vinted import vinted_reference_store
from catalog_service.reference.vinted_fetches import ReferenceGuard
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)
# Which tenant's plugin wrote or retired a Vinted mapping: for operators (the README), not for other sellers.
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead a seller's browser clock may be
PRIVATE_DATA = frozenset({"tenant_id", "retired_by"})


class ReferenceService:
    """Values per type (labels per language), brands by name or alias, marketplace mappings."""

    def types(self, catalog: ReferenceCatalog) -> ReferenceTypes:
        """Every type of value catalog knows, and ``brand``."""
        return ReferenceTypes(sorted([*catalog.values, "brand"]))

    def values(self, catalog: ReferenceCatalog, type_: str, lang: str, q: str | None) -> list[ValueOut]:
        """The values of ``type_`` in their order; ``q`` matches the label in ``lang`` or the code."""
        if type_ not in catalog.values:
            raise ReferenceTypeNotFound(f"Unknown reference type '{type_}'.")
        needle = normalise(q) if q else ""
        out = []
        for v in sorted(catalog.values[type_].values(), key=lambda v: (v.parent or "", v.position)):
            label = v.labels.get(lang) or v.labels.get("en") or v.code
            if needle and needle not in normalise(label) and needle not in normalise(v.code):
                continue
            out.append(ValueOut(code=v.code, parent=v.parent, label=label, labels=v.labels, data=v.data))
        return out

    def mappings(
        self,
        catalog: ReferenceCatalog,
        marketplace: str,
        kind: str | None,
        code: str | None,
        retired: bool = False,
    ) -> list[MappingOut]:
        """The mappings of ``marketplace`` (of ``kind``, of ``code``); retired ones only with ``retired``."""
        return [
            MappingOut(
                marketplace=m,
                kind=k,
                code=c,
                gender=g,
                site=s,
                external_id=v.external_id,
                data={k: d for k, d in v.data.items() if k not in PRIVATE_DATA},
                retired=v.retired,
            )
            for (m, k, c, g, s), v in sorted(catalog.mappings.items())
            if m == marketplace
            and (kind is None or k == kind)
            and (code is None or c == code)
            and (retired or not v.retired)
        ]

    async def on_vinted_fetched(self, scope: Scope, event: VintedReferenceFetched) -> None:
        """Keep Vinted's answer as our Vinted mappings (read against the tables as they are now, not the
        cached copy: two answers in a row must see each other's brands). The time the plugin says it read
        the list is taken no later than a clock's skew from now: an answer from the future would outrank every
        later one."""
        latest = utcnow() + CLOCK_SKEW
        if event.fetched_at > latest:
            event = event.model_copy(update={"fetched_at": latest})
        settings, refused = scope.context.settings, scope.context.vinted_reference_refused
        guard = ReferenceGuard(
            tenant_id=scope.tenant_id,
            max_share=settings.vinted_retire_max_share,
            min_rows=settings.vinted_retire_min_rows,
            refused=lambda what, reason: refused.labels(what, reason).inc(),
        )
        current = await load_catalog(scope.session)
        written = await vinted_reference_store.apply(scope.session, event, current, guard)
        scope.context.reference.invalidate()
        logger.info("vinted reference kept", extra={"what": event.what.value, "rows": written})


reference_service = ReferenceService()
