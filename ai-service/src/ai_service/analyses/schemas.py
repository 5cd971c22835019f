"""Analyses as the API reads and writes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from vitrine_contracts.ai import FlawSeen, ItemAttributes, ListingDraft, PriceSuggestion
from vitrine_contracts.common import Marketplace
from vitrine_kit.pagination import Page

from ai_service.models import AnalysisStatus, CreditsState

Language = Literal["en", "fr", "de", "it", "es"]


class AnalysisRequest(BaseModel):
    """Photos of one item: a product's (``product_id``) or photos uploaded before the product exists."""

    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID | None = Field(
        default=None,
        description="The product the photos belong to; without image_ids, the photos of its last analysis",
    )
    image_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=20, description="media-service image ids, in display order"
    )
    label_image_id: uuid.UUID | None = Field(
        default=None, description="The photo of the label, when the seller marked it (one of image_ids)"
    )
    language: Language | None = Field(
        default=None,
        description="Language of the drafts (default: the language the account's owner chose, else English)",
    )
    notes: Annotated[str, StringConstraints(max_length=1000)] = Field(
        default="", description="What the seller knows and the photos may not show ('bought in 1994')"
    )

    @model_validator(mode="after")
    def _photos(self) -> AnalysisRequest:
        if self.image_ids is None and self.product_id is None:
            raise ValueError("give image_ids, or the product_id of a product analysed before")
        if self.image_ids is not None:
            if len(set(self.image_ids)) != len(self.image_ids):
                raise ValueError("an image appears twice in image_ids")
            if self.label_image_id is not None and self.label_image_id not in self.image_ids:
                raise ValueError("label_image_id must be one of image_ids")
        return self


class StepUsage(BaseModel):
    """One step's provider calls and the tokens the provider counted."""

    step: str = Field(description="category | detail | full | drafts")
    provider: str
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    photos: int = 0


class CategoryStep(BaseModel):
    category: str
    confidence: float
    trusted: bool = Field(description="False: below the threshold, the detail step read every attribute")


class AnalysisResult(BaseModel):
    """What the photos showed, in catalog's terms, with drafts and a price."""

    attributes: ItemAttributes
    flaws: list[FlawSeen]
    drafts: dict[Marketplace, ListingDraft]
    price: PriceSuggestion | None
    label_image_id: uuid.UUID | None = Field(description="The label photo that was read (marked or found)")
    photos_read: list[uuid.UUID] = Field(description="The photos the detail step read, label included")
    category_step: CategoryStep


class AnalysisError(BaseModel):
    code: str
    detail: str
    retryable: bool


class AnalysisOut(BaseModel):
    id: uuid.UUID
    status: AnalysisStatus
    product_id: uuid.UUID | None
    image_ids: list[uuid.UUID]
    label_image_id: uuid.UUID | None
    language: str
    photo_limit: int = Field(description="Photos the plan lets one analysis read")
    cached: bool = Field(description="Answered from the 30-day cache: no credit spent")
    credits: int = Field(description="Credits held or spent by this analysis")
    credits_state: CreditsState
    pipeline: str | None = Field(description="two_step, full (uncertain category), or cached")
    prompt_version: str
    provider: str
    model: str
    result: AnalysisResult | None
    error: AnalysisError | None
    usage: list[StepUsage]
    created_at: datetime
    finished_at: datetime | None


class AnalysisPage(Page[AnalysisOut]):
    """The tenant's analyses, newest first, a page at a time."""


class PhotoLimit(BaseModel):
    plan: str
    photos_per_analysis: int
