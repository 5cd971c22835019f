"""One analysis, outside any database transaction: photos in, ``AnalysisResult`` out.

1. Category step on the first two photos (plus thumbnails of the others when no label photo is marked,
   so that it can find the label).
2. Detail step on at most the plan's number of photos, the label always among them and sent larger so
   that its print can be read. Its schema holds the values of the category's group; when the category
   step is not confident, one full call holds every category's values instead.
3. Drafts by the text model (templates when it fails), and a suggested price by rule.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vitrine_contracts.ai import FlawSeen, ItemAttributes, ListingDraft
from vitrine_contracts.common import Marketplace
from vitrine_kit.clients.media import MediaClient

from ai_service.analyses.schemas import AnalysisResult, CategoryStep, StepUsage
from ai_service.config import Settings
from ai_service.images.prep import ImagePreparer, PreparedImage
from ai_service.metrics import AiMetrics
from ai_service.pipeline import drafts, prompts
from ai_service.pipeline.assemble import attributes_from, confidence, flaws_seen
from ai_service.pipeline.pricing import suggest_price
from ai_service.pipeline.schemas import category_schema, detail_schema
from ai_service.providers.base import ErrorKind, ModelAnswer, ModelRequest, Provider, ProviderError
from ai_service.providers.retry import RetryPolicy, generate_with_retries
from ai_service.reference.catalog import Reference

logger = logging.getLogger(__name__)
TWO_STEP, FULL = "two_step", "full"


@dataclass(frozen=True)
class Spec:
    """What to analyse: a tenant's photos in display order, the label if marked, the cap, the language."""

    tenant_id: uuid.UUID
    image_ids: Sequence[uuid.UUID]
    label_image_id: uuid.UUID | None
    photo_limit: int
    language: str
    notes: str = ""


@dataclass
class Outcome:
    result: AnalysisResult
    pipeline: str
    usage: list[StepUsage]


@dataclass
class Tracker:
    """The calls made so far, for the analysis record (kept when the analysis fails half-way too)."""

    usage: list[StepUsage] = field(default_factory=list)
    metrics: AiMetrics | None = None

    def add(self, step: str, provider: Provider, answer: ModelAnswer, calls: int, photos: int) -> None:
        model = answer.model or provider.model
        if self.metrics is not None:
            self.metrics.calls.labels(provider.name, step).inc(calls)
            self.metrics.tokens.labels(provider.name, model, step, "input").inc(answer.usage.input_tokens)
            self.metrics.tokens.labels(provider.name, model, step, "output").inc(answer.usage.output_tokens)
        self.usage.append(
            StepUsage(
                step=step,
                provider=provider.name,
                model=model,
                calls=calls,
                input_tokens=answer.usage.input_tokens,
                output_tokens=answer.usage.output_tokens,
                total_tokens=answer.usage.total_tokens,
                photos=photos,
            )
        )


def _require(answer: ModelAnswer, *names: str) -> None:
    missing = [n for n in names if n not in answer.data]
    if missing:
        raise ProviderError(ErrorKind.INVALID_OUTPUT, f"the answer lacks {', '.join(missing)}")


class Pipeline:
    """Runs the steps with the configured providers; stateless between analyses."""

    def __init__(
        self,
        *,
        settings: Settings,
        ref: Reference,
        vision: Provider,
        text: Provider | None,
        media: MediaClient,
        images: ImagePreparer,
    ) -> None:
        self.settings = settings
        self.ref = ref
        self.vision = vision
        self.text = text
        self.media = media
        self.images = images
        self.policy = RetryPolicy(
            max_attempts=settings.provider_max_attempts,
            backoff_s=settings.provider_backoff_s,
            max_delay_s=settings.provider_max_retry_delay_s,
            invalid_output_retries=settings.invalid_output_retries,
        )

    async def photo(self, tenant_id: uuid.UUID, image_id: uuid.UUID, role: str) -> PreparedImage:
        """One photo fetched from media-service and prepared off the event loop."""
        s = self.settings
        rendition, side = {
            "label": (s.label_rendition, s.label_max_side),
            "thumb": (s.thumb_rendition, s.thumb_max_side),
        }.get(role, (s.photo_rendition, s.photo_max_side))
        data = await self.media.image_bytes(tenant_id, image_id, rendition)
        return await self.images.prepare(data, side, image_id=image_id, role=role)

    async def photos(
        self, tenant_id: uuid.UUID, wanted: Sequence[tuple[uuid.UUID, str]]
    ) -> list[PreparedImage]:
        return list(await asyncio.gather(*(self.photo(tenant_id, i, role) for i, role in wanted)))

    async def call(
        self, tracker: Tracker, provider: Provider, request: ModelRequest, *required: str
    ) -> dict[str, Any]:
        answer, calls = await generate_with_retries(
            provider, request, self.policy, (lambda a: _require(a, *required)) if required else None
        )
        tracker.add(request.step, provider, answer, calls, len(request.images))
        return answer.data

    async def run(self, spec: Spec, tracker: Tracker) -> Outcome:
        ref, notes = self.ref, spec.notes
        candidates = list(spec.image_ids)[: self.settings.max_photos]
        find_label = spec.label_image_id is None and len(candidates) > 1
        first = [(i, "photo") for i in candidates[:2]]
        rest = [(i, "thumb") for i in candidates[2:]] if find_label else []
        seen = await self.photos(spec.tenant_id, first + rest)
        category = await self.call(
            tracker,
            self.vision,
            ModelRequest(
                step="category",
                system=prompts.CATEGORY_SYSTEM,
                prompt=prompts.category_prompt(ref, len(seen), find_label, notes),
                schema=category_schema(ref, len(seen), find_label),
                schema_name="item_category",
                images=tuple(seen),
            ),
            "category",
            "category_confidence",
        )
        leaf = str(category.get("category"))
        if leaf not in {v.code for v in ref.leaves()}:
            raise ProviderError(
                ErrorKind.INVALID_OUTPUT, f"the category step named no known category ({leaf})"
            )
        category_confidence = confidence(category, "category")
        label = spec.label_image_id
        found = category.get("label_photo")
        if label is None and isinstance(found, int) and 1 <= found <= len(seen):
            label = seen[found - 1].image_id

        chosen = self.select(candidates, label, spec.photo_limit)
        prepared = {p.image_id: p for p in seen if p.role == "photo"}
        wanted = [(i, "label" if i == label else "photo") for i in chosen]
        fetched = await self.photos(
            spec.tenant_id, [(i, r) for i, r in wanted if r == "label" or i not in prepared]
        )
        prepared.update({p.image_id: p for p in fetched})
        detail_photos = [prepared[i] for i in chosen]
        trusted = category_confidence >= self.settings.category_confidence_threshold
        group = ref.group_of(leaf) if trusted else None
        label_index = chosen.index(label) + 1 if label in chosen else None
        detail = await self.call(
            tracker,
            self.vision,
            ModelRequest(
                step="detail" if trusted else "full",
                system=prompts.DETAIL_SYSTEM,
                prompt=prompts.detail_prompt(ref, len(chosen), label_index, group, notes),
                schema=detail_schema(ref, group, len(chosen)),
                schema_name="item_attributes",
                images=tuple(detail_photos),
            ),
            "category",
        )
        attrs = attributes_from(
            ref,
            detail,
            group=group,
            fallback_category=leaf,
            fallback_confidence=category_confidence,
            lang=spec.language,
        )
        flaws = flaws_seen(detail.get("flaws"), chosen)
        listing_drafts = await self.write_drafts(tracker, attrs, flaws, spec.language)
        result = AnalysisResult(
            attributes=attrs,
            flaws=flaws,
            drafts=listing_drafts,
            price=suggest_price(ref, attrs, flaws, self.settings.currency),
            label_image_id=label,
            photos_read=chosen,
            category_step=CategoryStep(category=leaf, confidence=category_confidence, trusted=trusted),
        )
        return Outcome(result, TWO_STEP if trusted else FULL, tracker.usage)

    @staticmethod
    def select(candidates: Sequence[uuid.UUID], label: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """At most ``limit`` photos in display order, the label always among them."""
        limit = max(1, limit)
        if label is None or label in candidates[:limit]:
            return list(candidates[:limit])
        others = [i for i in candidates if i != label][: limit - 1]
        return [*others, label]

    async def write_drafts(
        self, tracker: Tracker, attrs: ItemAttributes, flaws: list[FlawSeen], lang: str
    ) -> dict[Marketplace, ListingDraft]:
        """The text model's drafts; the templates' when there is no text model or it fails."""
        if self.text is None:
            return drafts.template_drafts(self.ref, attrs, flaws, lang)
        request = drafts.drafts_request(self.ref, attrs, flaws, lang)
        try:
            data = await self.call(tracker, self.text, request, *drafts.REQUIRED)
            return drafts.parse_drafts(data, self.text.model, attrs.category.text or "item")
        except ProviderError as exc:
            logger.warning("drafts by template: the text model failed", extra={"error": exc.message})
            return drafts.template_drafts(self.ref, attrs, flaws, lang)
