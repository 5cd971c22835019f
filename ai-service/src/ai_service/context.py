"""ai-service's context: providers, media and billing clients, the image pool and the pipeline, built once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from sqlalchemy.dialects.postgresql import insert
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.clients.media import MediaClient
from vitrine_kit.context import Kit, ServiceContext

from ai_service.config import ProviderName, Settings
from ai_service.credits.client import CreditsClient
from ai_service.images.prep import ImagePreparer
from ai_service.metrics import AiMetrics
from ai_service.models import PromptVersion
from ai_service.pipeline import prompts
from ai_service.pipeline.run import Pipeline
from ai_service.providers.base import Provider
from ai_service.providers.gemini_api import GeminiProvider
from ai_service.providers.offline import OfflineProvider
from ai_service.providers.openai_api import OpenAIProvider
from ai_service.reference.catalog import Reference, reference

logger = logging.getLogger(__name__)


def make_provider(settings: Settings, ref: Reference, name: ProviderName, *, text: bool = False) -> Provider:
    """The provider ``name`` (for the photos, or with ``text`` for the drafts)."""
    if name is ProviderName.GEMINI:
        return GeminiProvider(
            api_key=settings.gemini_api_key.get_secret_value(),
            model=settings.gemini_model,
            base_url=settings.gemini_base_url,
            timeout_s=settings.provider_timeout_s,
        )
    if name is ProviderName.OPENAI:
        return OpenAIProvider(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_text_model if text else settings.openai_vision_model,
            base_url=settings.openai_base_url,
            timeout_s=settings.provider_timeout_s,
        )
    palette = {code: str(v.data.get("hex", "")) for code, v in ref.values.get("colour", {}).items()}
    return OfflineProvider(palette)


@dataclass(kw_only=True)
class AiContext(ServiceContext[Settings]):
    """What ai-service's code acts with besides a session."""

    reference: Reference
    prompt_version: str
    vision: Provider
    text: Provider | None  # None: drafts from templates (the offline text provider)
    media: MediaClient
    credits: CreditsClient
    images: ImagePreparer
    pipeline: Pipeline
    http: httpx.AsyncClient
    ai_metrics: AiMetrics

    @classmethod
    async def build(cls, kit: Kit[Settings]) -> AiContext:
        settings = kit.settings
        ref = reference()
        http = httpx.AsyncClient(timeout=settings.internal_timeout_s)
        # No scope asked: the token carries every scope auth-service grants ai-service (billing:credits).
        tokens = ServiceTokenClient(
            settings.auth_token_url, settings.service_client_id, settings.service_client_secret, http=http
        )
        media = MediaClient(settings.media_url, tokens, http)
        images = ImagePreparer(settings.image_workers, settings.image_queue, settings.max_image_pixels)
        vision = make_provider(settings, ref, settings.provider)
        text = (
            None
            if settings.text_provider is ProviderName.OFFLINE
            else make_provider(settings, ref, settings.text_provider, text=True)
        )
        return cls(
            **cls.parts(kit),  # type: ignore[arg-type]
            reference=ref,
            prompt_version=prompts.prompt_version(ref),
            vision=vision,
            text=text,
            media=media,
            credits=CreditsClient(settings.billing_url, tokens, http),
            images=images,
            pipeline=Pipeline(
                settings=settings, ref=ref, vision=vision, text=text, media=media, images=images
            ),
            http=http,
            ai_metrics=AiMetrics(kit.metrics.registry),
        )

    @property
    def model(self) -> str:
        return self.vision.model

    @property
    def text_model(self) -> str:
        return self.text.model if self.text is not None else "template"

    async def start(self) -> None:
        """Record the prompt version in use, with its texts (a cached answer names it)."""
        try:
            async with self.db.session() as session:
                await session.execute(
                    insert(PromptVersion)
                    .values(
                        version=self.prompt_version,
                        reference_fingerprint=self.reference.fingerprint,
                        texts=prompts.TEXTS,
                    )
                    .on_conflict_do_nothing()
                )
                await session.commit()
        except Exception:  # not migrated yet: /readyz says so; the next start records it
            logger.exception("could not record the prompt version")

    async def aclose(self) -> None:
        self.images.close()
        await self.vision.aclose()
        if self.text is not None:
            await self.text.aclose()
        await self.http.aclose()
