"""Listing and searching reference data."""

from __future__ import annotations

import logging

from vitrine_contracts.vinted import VintedReferenceFetched

from catalog_service.errors import ReferenceTypeNotFound
from catalog_service.reference.catalog import ReferenceCatalog, load_catalog
from catalog_service.reference.schemas import MappingOut, ReferenceTypes, ValueOut
from catalog_service.reference.seed import normalise
from catalog_service.reference.vinted import vinted_reference_store
from catalog_service.scope import Scope

logger = logging.getLogger(__name__)


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
                data=v.data,
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
        cached copy: two answers in a row must see each other's brands)."""
        current = await load_catalog(scope.session)
        written = await vinted_reference_store.apply(scope.session, event, current)
        scope.context.reference.invalidate()
        logger.info("vinted reference kept", extra={"what": event.what.value, "rows": written})


reference_service = ReferenceService()
