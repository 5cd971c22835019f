"""AI suggestions as the API shows them, and the seller's decision on them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from vitrine_contracts.ai import FlawSeen, ListingDraft, PriceSuggestion
from vitrine_contracts.common import Marketplace

from catalog_service.products.schemas import ProductOut
from catalog_service.reference.catalog import ATTRIBUTE_TYPES

# Every field an analysis can suggest, in the order they are shown.
SUGGESTIBLE: tuple[str, ...] = (
    "category",
    "brand",
    "size",
    "colours",
    "materials",
    "condition",
    "gender",
    *(f"attributes.{name}" for name in ATTRIBUTE_TYPES),
    "flaws",
    "title",
    "description",
    "price",
)
FIELD_NAMES = ", ".join(SUGGESTIBLE)


class SuggestionOut(BaseModel):
    """One pending value, beside the product's current one, in the shape the product's field takes."""

    field: str = Field(description=f"One of {FIELD_NAMES}")
    value: JsonValue = Field(
        description="A catalog code, a list of them, materials with percentages, ``{size_system, size}``,"
        " ``{price, currency}``, or text (title, description, flaws)"
    )
    current: JsonValue = Field(description="The product's value now, in the same shape (null when unset)")
    confidence: float | None = Field(
        description="0..1 as the analysis gave it; null for what it wrote rather than saw (title,"
        " description, flaws, price)"
    )
    analysis_id: uuid.UUID = Field(description="The analysis the value comes from")


class SuggestionsOut(BaseModel):
    """A product's pending suggestions and what the last analysis saw and drafted beside them."""

    product_id: uuid.UUID
    analysis_id: uuid.UUID | None = Field(description="The product's last analysis; null when none arrived")
    finished_at: datetime | None
    language: str | None = Field(description="Language of the drafts")
    suggestions: list[SuggestionOut]
    flaws: list[FlawSeen] = Field(description="The flaws seen, each with the photo that shows it")
    drafts: dict[Marketplace, ListingDraft] = Field(
        description="Title and description per marketplace, within its limits (the ``title`` and"
        " ``description`` suggestions are the shortest of them, so they fit every marketplace)"
    )
    price: PriceSuggestion | None = Field(description="The suggested price with its range and reason")


class DecisionIn(BaseModel):
    """Which suggestions to accept (or dismiss): some by name, or all of them."""

    model_config = ConfigDict(extra="forbid")

    fields: list[str] | None = Field(
        default=None, max_length=len(SUGGESTIBLE), description=f"Some of {FIELD_NAMES}; [] decides none"
    )
    all: bool = Field(default=False, description="Every pending suggestion")

    @model_validator(mode="after")
    def _one_choice(self) -> DecisionIn:
        if (self.fields is None) == (not self.all):
            raise ValueError("send either fields or all: true")
        return self


class DecisionOut(BaseModel):
    """What one accept (or dismiss) did: the fields decided, the product after it, what is still pending."""

    fields: list[str]
    product: ProductOut
    remaining: list[SuggestionOut]
