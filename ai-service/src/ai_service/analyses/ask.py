"""What one ``POST /analyses`` asks for, and the keys derived from it: the request's fingerprint (the same
request joins one still running) and the answer cache's key (the same photos by content)."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from vitrine_kit.db.base import utcnow

from ai_service.config import Settings
from ai_service.models import Analysis, AnalysisStatus, CreditsState


def digest(*parts: object) -> str:
    """A stable SHA-256 of ``parts`` (UUIDs and dates as strings)."""
    return hashlib.sha256(json.dumps(parts, default=str, separators=(",", ":")).encode()).hexdigest()


def analysis_id_for(tenant_id: uuid.UUID, idempotency_key: str | None) -> uuid.UUID:
    """Random, or derived from the Idempotency-Key: concurrent retries then share one reservation key."""
    if idempotency_key is None:
        return uuid.uuid4()
    return uuid.uuid5(tenant_id, f"ai-analysis:{idempotency_key}")


def asker_grace(settings: Settings) -> timedelta:
    """How long a queued analysis waits for its asker to reserve its credits before a worker takes it over:
    a token fetch and a reservation, each bounded by ``internal_timeout_s``, with room to spare."""
    return timedelta(seconds=3 * settings.internal_timeout_s)


@dataclass(frozen=True, kw_only=True)
class Ask:
    product_id: uuid.UUID | None
    image_ids: list[uuid.UUID]
    label: uuid.UUID | None
    limit: int
    language: str
    notes: str
    prompt_version: str
    provider: str
    model: str
    text_model: str

    @property
    def fingerprint(self) -> str:
        """Same request (photos, label, language, notes, cap, prompt and models): a second one joins it."""
        return digest(
            self.product_id,
            self.image_ids,
            self.label,
            self.language,
            self.notes,
            self.limit,
            self.prompt_version,
            self.model,
            self.text_model,
        )

    def cache_key(self, hashes: list[str]) -> str:
        """Same photos (by content) + same prompt version + same models: the same answer."""
        label_hash = hashes[self.image_ids.index(self.label)] if self.label is not None else None
        return digest(
            hashes,
            label_hash,
            self.limit,
            self.language,
            self.notes,
            self.prompt_version,
            self.provider,
            self.model,
            self.text_model,
        )

    def analysis(self, analysis_id: uuid.UUID, idempotency_key: str | None, hashes: list[str]) -> Analysis:
        """A new queued analysis of these photos (``hashes``: their content hashes, in order)."""
        return Analysis(
            id=analysis_id,
            status=AnalysisStatus.QUEUED,
            product_id=self.product_id,
            image_ids=self.image_ids,
            label_image_id=self.label,
            image_hashes=hashes,
            photo_limit=self.limit,
            language=self.language,
            notes=self.notes,
            idempotency_key=idempotency_key,
            fingerprint=self.fingerprint,
            cache_key=self.cache_key(hashes),
            prompt_version=self.prompt_version,
            provider=self.provider,
            model=self.model,
            text_model=self.text_model,
            cached=False,
            credits=0,
            credits_state=CreditsState.NONE,
            usage=[],
            created_at=utcnow(),
        )
