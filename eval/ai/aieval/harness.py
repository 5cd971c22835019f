"""Runs the labelled set through ai-service's own pipeline (``ai_service.pipeline.run.Pipeline``).

The providers are the service's (``make_provider`` with the service's ``Settings``, read from ``AI_*`` as
the service reads them); only media-service is replaced, by an in-memory store whose renditions are made by
media-service's own ``process()``. The eval defaults ``AI_PROVIDER`` to ``offline`` when it is not set, so
that it runs with no key and no network; set it (and the keys) to measure Gemini or OpenAI. Drafts are not
scored, so no text provider is called (the pipeline writes them from its templates).
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ai_service.config import ProviderName, Settings
from ai_service.context import make_provider
from ai_service.images.prep import ImagePreparer
from ai_service.pipeline.run import Pipeline, Spec, Tracker
from ai_service.providers.base import Provider, ProviderError
from ai_service.reference.catalog import Reference, reference
from media_service.processing.pipeline import Quality, process
from media_service.processing.sniff import SourceFormat
from vitrine_kit.clients.media import MediaClient, PhotoMissing

from aieval.labelset import Sample
from aieval.score import Mark, Prediction, marks


class MemoryMedia(MediaClient):
    """media-service's renditions of each photo, made by its own ``process()`` and kept in memory."""

    def __init__(self) -> None:
        self.files: dict[uuid.UUID, dict[str, bytes]] = {}

    def upload(self, data: bytes) -> uuid.UUID:
        image_id = uuid.uuid4()
        with tempfile.TemporaryDirectory(prefix="vitrine-eval-") as tmp:
            process(io.BytesIO(data), SourceFormat.JPEG, Path(tmp), max_pixels=60_000_000, quality=Quality())
            # Only the JPEG renditions the pipeline fetches (the original and the WebPs are never read).
            self.files[image_id] = {
                p.name: p.read_bytes() for p in Path(tmp).glob("*.jpg") if not p.name.startswith("original")
            }
        return image_id

    def forget(self, image_ids: Sequence[uuid.UUID]) -> None:
        for image_id in image_ids:
            self.files.pop(image_id, None)

    async def image_bytes(
        self, tenant_id: uuid.UUID, image_id: uuid.UUID, rendition: str = "large.jpg"
    ) -> bytes:
        found = self.files.get(image_id, {}).get(rendition)
        if found is None:
            raise PhotoMissing(image_id)
        return found


def eval_settings() -> Settings:
    """The service's settings from the environment; the offline provider when ``AI_PROVIDER`` is unset."""
    if "AI_PROVIDER" in os.environ:
        return Settings()
    return Settings(provider=ProviderName.OFFLINE)


@dataclass
class Run:
    """The outcome of a run: marks of every item, failures, tokens and time."""

    provider: str
    model: str
    marks: list[Mark] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    pipelines: dict[str, int] = field(default_factory=dict)


class Harness:
    def __init__(
        self, settings: Settings, ref: Reference | None = None, vision: Provider | None = None
    ) -> None:
        self.settings = settings
        self.ref = ref or reference()
        self.vision = vision or make_provider(settings, self.ref, settings.provider)
        self.media = MemoryMedia()
        self.images = ImagePreparer(settings.image_workers, settings.image_queue, settings.max_image_pixels)
        self.pipeline = Pipeline(
            settings=settings,
            ref=self.ref,
            vision=self.vision,
            text=None,
            media=self.media,
            images=self.images,
        )
        self.tenant = uuid.uuid4()

    async def predict(self, sample: Sample) -> tuple[Prediction, Tracker, str | None]:
        """The pipeline's answer for one item (its photos uploaded to the in-memory media first)."""
        ids = [await asyncio.to_thread(self.media.upload, photo) for photo in sample.photos]
        label = ids[sample.label_marked] if sample.label_marked is not None else None
        spec = Spec(
            tenant_id=self.tenant,
            image_ids=ids,
            label_image_id=label,
            photo_limit=self.settings.free_photos_per_analysis,
            language=sample.language,
        )
        tracker = Tracker()
        try:
            outcome = await asyncio.wait_for(
                self.pipeline.run(spec, tracker), self.settings.analysis_timeout_s
            )
        except (ProviderError, TimeoutError) as exc:
            message = exc.message if isinstance(exc, ProviderError) else "timed out"
            return Prediction(None, error=message), tracker, None
        finally:
            self.media.forget(ids)
        found = outcome.result.label_image_id
        position = ids.index(found) if found in ids else None
        return Prediction(outcome.result.attributes, label_photo=position), tracker, outcome.pipeline

    async def run(self, samples: Sequence[Sample], concurrency: int = 4) -> Run:
        result = Run(self.vision.name, self.vision.model)
        slots = asyncio.Semaphore(concurrency)
        started = time.perf_counter()

        async def one(sample: Sample) -> None:
            async with slots:
                prediction, tracker, pipeline = await self.predict(sample)
            result.marks += marks(sample, prediction)
            if prediction.error is not None:
                result.failures[sample.id] = prediction.error
            if pipeline is not None:
                result.pipelines[pipeline] = result.pipelines.get(pipeline, 0) + 1
            result.input_tokens += sum(u.input_tokens for u in tracker.usage)
            result.output_tokens += sum(u.output_tokens for u in tracker.usage)

        await asyncio.gather(*(one(s) for s in samples))
        result.seconds = time.perf_counter() - started
        result.marks.sort(key=lambda m: (m.sample, m.field))
        return result

    async def aclose(self) -> None:
        self.images.close()
        await self.vision.aclose()
