"""AI suggestions: taken from ``ai.analysis.completed`` per product and field, shown beside the product's
values, and accepted (through the product's normal update) or dismissed by the seller."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from vitrine_contracts.ai import AnalysisCompleted, FlawSeen, ListingDraft, PriceSuggestion
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow

from catalog_service.errors import (
    InvalidProduct,
    NoPendingSuggestion,
    ProductDeleted,
    ProductNotFound,
    SuggestionInvalid,
    UnknownSuggestionField,
)
from catalog_service.models import Product, ProductAnalysis, Suggestion
from catalog_service.products import provenance
from catalog_service.products import repository as products
from catalog_service.products.schemas import FieldOrigin, ProductFields
from catalog_service.products.service import product_service
from catalog_service.reference.catalog import ReferenceCatalog
from catalog_service.scope import Scope
from catalog_service.suggestions import fields
from catalog_service.suggestions import repository as repo
from catalog_service.suggestions.schemas import (
    FIELD_NAMES,
    SUGGESTIBLE,
    DecisionIn,
    DecisionOut,
    SuggestionOut,
    SuggestionsOut,
)

logger = logging.getLogger(__name__)


def _out(product: Product, suggestion: Suggestion) -> SuggestionOut:
    return SuggestionOut(
        field=suggestion.field,
        value=suggestion.value,
        current=fields.current(product, suggestion.field),
        confidence=suggestion.confidence,
        analysis_id=suggestion.analysis_id,
    )


def _retired_brand(ref: ReferenceCatalog, code: str) -> bool:
    brand = ref.brands.get(code)
    return brand is not None and brand.retired


def _shown(product: Product, pending: list[Suggestion]) -> list[SuggestionOut]:
    order = {name: i for i, name in enumerate(SUGGESTIBLE)}
    return [_out(product, s) for s in sorted(pending, key=lambda s: order.get(s.field, len(order)))]


class SuggestionService:
    """A product's pending AI suggestions in its tenant schema."""

    async def on_completed(self, scope: Scope, event: AnalysisCompleted) -> None:
        """Replace the product's pending suggestions with this analysis' (a replay or an older analysis
        changes nothing; an unknown or deleted product is logged and skipped)."""
        ids = {"analysis_id": str(event.analysis_id), "product_id": str(event.product_id)}
        if event.product_id is None:
            logger.info("analysis of photos on no product: nothing to suggest", extra=ids)
            return
        # Locked: an accept or another analysis of the product waits for this one.
        product = await products.get_for_update(scope.session, event.product_id)
        if product is None or product.deleted_at is not None:
            logger.info("analysis for an unknown or deleted product ignored", extra=ids)
            return
        finished_at = scope.envelope.occurred_at if scope.envelope else utcnow()
        last = await repo.analysis_of(scope.session, product.id)
        if last is not None and last.analysis_id == event.analysis_id:
            logger.info("analysis already taken", extra=ids)
            return
        if last is not None and last.finished_at > finished_at:
            logger.info("analysis older than the product's last one ignored", extra=ids)
            return
        if last is None:
            last = ProductAnalysis(product_id=product.id)
            scope.session.add(last)
        last.analysis_id, last.finished_at, last.language = event.analysis_id, finished_at, event.language
        last.flaws = [f.model_dump(mode="json") for f in event.flaws]
        last.drafts = {m.value: d.model_dump(mode="json") for m, d in event.drafts.items()}
        last.price = event.price.model_dump(mode="json") if event.price else None
        last.received_at = utcnow()
        await scope.session.flush()
        ref = await scope.context.reference.get()
        suggested = [
            s
            for s in fields.from_analysis(event)
            # A brand Vinted retired is not offered again (a product that has it keeps it).
            if not (s.field == "brand" and isinstance(s.value, str) and _retired_brand(ref, s.value))
        ]
        await repo.replace(scope.session, last, suggested)

    async def list_for(self, scope: Scope, product_id: uuid.UUID) -> SuggestionsOut:
        """The pending suggestions beside the product's values, with the last analysis' drafts and flaws."""
        product = await product_service.get(scope, product_id, deleted_ok=True)
        analysis = await repo.analysis_of(scope.session, product_id)
        pending = await repo.pending(scope.session, product_id)
        return SuggestionsOut(
            product_id=product_id,
            analysis_id=analysis.analysis_id if analysis else None,
            finished_at=analysis.finished_at if analysis else None,
            language=analysis.language if analysis else None,
            suggestions=_shown(product, pending),
            flaws=[FlawSeen.model_validate(f) for f in analysis.flaws] if analysis else [],
            drafts=(
                {Marketplace(m): ListingDraft.model_validate(d) for m, d in analysis.drafts.items()}
                if analysis
                else {}
            ),
            price=PriceSuggestion.model_validate(analysis.price) if analysis and analysis.price else None,
        )

    async def accept(
        self, scope: Scope, product_id: uuid.UUID, body: DecisionIn, expected: int | None
    ) -> DecisionOut:
        """Write the chosen suggestions through the product's update (revisions and checks apply), all or
        nothing: a value that no longer passes the checks is 422 naming its field."""
        product = await self._locked(scope, product_id)
        pending = await repo.pending(scope.session, product_id)
        chosen = self._chosen(pending, body)
        if chosen:
            update = self._update(product, chosen)
            try:
                product = await product_service.update(scope, product_id, update, expected, by_seller=False)
            except InvalidProduct as exc:
                raise self._invalid(exc.extra.get("errors", [])) from exc
            by_analysis: dict[uuid.UUID, list[Suggestion]] = defaultdict(list)
            for s in chosen:
                by_analysis[s.analysis_id].append(s)
            for analysis_id, group in by_analysis.items():
                confidence = {key: s.confidence for s in group for key in fields.written(s.field)}
                await provenance.record(
                    scope.session,
                    product.id,
                    list(confidence),
                    FieldOrigin.AI,
                    analysis_id=analysis_id,
                    confidence=confidence,
                )
        return await self._decided(scope, product, pending, chosen)

    async def dismiss(self, scope: Scope, product_id: uuid.UUID, body: DecisionIn) -> DecisionOut:
        """Drop the chosen suggestions; the product does not change."""
        product = await self._locked(scope, product_id)
        pending = await repo.pending(scope.session, product_id)
        return await self._decided(scope, product, pending, self._chosen(pending, body))

    async def _decided(
        self, scope: Scope, product: Product, pending: list[Suggestion], chosen: list[Suggestion]
    ) -> DecisionOut:
        names = [s.field for s in chosen]
        await repo.remove(scope.session, product.id, names)
        return DecisionOut(
            fields=names,
            product=await product_service.render(scope, product),
            remaining=_shown(product, [s for s in pending if s.field not in names]),
        )

    @staticmethod
    async def _locked(scope: Scope, product_id: uuid.UUID) -> Product:
        # The product's row lock orders accepts, dismissals and arriving analyses of one product.
        product = await products.get_for_update(scope.session, product_id)
        if product is None:
            raise ProductNotFound()
        if product.deleted_at is not None:
            raise ProductDeleted()
        return product

    @staticmethod
    def _chosen(pending: list[Suggestion], body: DecisionIn) -> list[Suggestion]:
        if body.all:
            return pending
        wanted = list(dict.fromkeys(body.fields or []))
        unknown = [name for name in wanted if name not in SUGGESTIBLE]
        if unknown:
            raise UnknownSuggestionField(
                "Unknown fields: " + ", ".join(unknown),
                errors=[{"field": name, "message": f"not one of {FIELD_NAMES}"} for name in unknown],
            )
        by_field = {s.field: s for s in pending}
        absent = [name for name in wanted if name not in by_field]
        if absent:
            raise NoPendingSuggestion(
                "Nothing suggested for: " + ", ".join(absent),
                errors=[{"field": name, "message": "no pending suggestion"} for name in absent],
            )
        return [by_field[name] for name in wanted]

    def _update(self, product: Product, chosen: list[Suggestion]) -> ProductFields:
        values: dict[str, Any] = {}
        attributes: dict[str, str] | None = None
        for s in chosen:
            if s.field.startswith(fields.ATTRIBUTE):
                attributes = dict(product.attributes) if attributes is None else attributes
                attributes[s.field.removeprefix(fields.ATTRIBUTE)] = s.value
            else:
                values.update(fields.changes(s.field, s.value))
        if attributes is not None:
            values["attributes"] = attributes
        try:
            return ProductFields.model_validate(values)
        except ValidationError as exc:
            raise self._invalid(
                [
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors(include_url=False)
                ]
            ) from exc

    @staticmethod
    def _invalid(errors: list[dict[str, str]]) -> SuggestionInvalid:
        named = [{"field": fields.owner(e["field"]), "message": e["message"]} for e in errors]
        return SuggestionInvalid(
            "Not applied: " + ", ".join(dict.fromkeys(e["field"] for e in named)), errors=named
        )


suggestion_service = SuggestionService()
