"""Events of ai-service, and the analysis result they carry (ai-service's API answers with the same models).

An analysis reads an item's photos and returns every attribute it can see, each with its own confidence
and mapped to catalog's reference codes where one exists, the flaws it saw, listing drafts per marketplace,
and a suggested price. ``reference_id`` is always a code of catalog's reference data (``levi-s``,
``jeans``, ``blue``…) or ``None``: text the model read but catalog does not know stays in ``text`` with
``matched: false`` and is never added to the reference data.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from vitrine_contracts.common import CurrencyCode, Marketplace
from vitrine_contracts.envelope import Event

Confidence = float


class Guess(BaseModel):
    """One attribute as read from the photos."""

    model_config = ConfigDict(extra="ignore")

    reference_id: str | None = Field(default=None, description="Catalog's code; None when none matches")
    text: str | None = Field(default=None, description="What the model read or named, as written")
    matched: bool = Field(default=False, description="reference_id names a known catalog value")
    confidence: Confidence = Field(default=0.0, ge=0, le=1, description="0: not seen, 1: certain")


class SizeGuess(Guess):
    """The size as printed on the label, and catalog's size it maps to (``system:value``)."""

    system: str | None = Field(default=None, description="letter | eu | waist | one-size")
    value: str | None = Field(default=None, description="The size in that system (``M``, ``38``, ``W32``)")


class ColoursGuess(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reference_ids: list[str] = Field(default_factory=list, max_length=2, description="Main colour first")
    confidence: Confidence = Field(default=0.0, ge=0, le=1)


class MaterialShareGuess(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reference_id: str
    percent: int | None = Field(default=None, ge=1, le=100, description="As printed on the care label")


class MaterialsGuess(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[MaterialShareGuess] = Field(default_factory=list)
    confidence: Confidence = Field(default=0.0, ge=0, le=1)


class ConditionGuess(BaseModel):
    """Condition on the written 0-10 scale, and catalog's condition code for it."""

    model_config = ConfigDict(extra="ignore")

    score: int | None = Field(default=None, ge=0, le=10, description="10 new with tags … 0 unwearable")
    reference_id: str | None = Field(default=None, description="new_with_tags | … | satisfactory")
    confidence: Confidence = Field(default=0.0, ge=0, le=1)


class ItemAttributes(BaseModel):
    """Everything seen of the item; a detail attribute is None when it does not apply or was not seen."""

    model_config = ConfigDict(extra="ignore")

    category: Guess = Field(description="A leaf category of catalog")
    brand: Guess = Field(description="matched: false for a brand catalog does not know (kept as text)")
    size: SizeGuess
    colours: ColoursGuess
    materials: MaterialsGuess
    condition: ConditionGuess
    gender: Guess
    fit: Guess | None = None
    pattern: Guess | None = None
    season: Guess | None = None
    neckline: Guess | None = None
    sleeve_length: Guess | None = None
    length: Guess | None = None
    rise: Guess | None = None
    closure: Guess | None = None
    stretch: Guess | None = None
    lining: Guess | None = None
    origin: Guess | None = None
    decade: Guess | None = None
    sport: Guess | None = None
    trend: Guess | None = None


class FlawKind(StrEnum):
    STAIN = "stain"
    HOLE = "hole"
    TEAR = "tear"
    PILLING = "pilling"
    FADING = "fading"
    DISCOLOURATION = "discolouration"
    MISSING_BUTTON = "missing_button"
    BROKEN_ZIP = "broken_zip"
    SNAG = "snag"
    WEAR = "wear"
    OTHER = "other"


class FlawSeverity(StrEnum):
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"


class FlawSeen(BaseModel):
    """A defect visible in the photos."""

    model_config = ConfigDict(extra="ignore")

    kind: FlawKind
    location: str = Field(max_length=120, description="Where on the item, e.g. 'left cuff'")
    severity: FlawSeverity
    image_id: uuid.UUID | None = Field(default=None, description="The photo that shows it")


class ListingDraft(BaseModel):
    """A title and description within one marketplace's limits, in the analysis language."""

    model_config = ConfigDict(extra="ignore")

    title: str
    description: str
    tags: list[str] = Field(default_factory=list, description="Etsy only: at most 13, 20 characters each")
    written_by: str = Field(description="The model that wrote it, or 'template' when it failed")


class PriceSuggestion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    low: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    high: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: CurrencyCode
    reason: str = Field(description="How the price was reached, factor by factor")


class AnalysisCompleted(Event):
    """An analysis of an item's photos finished; catalog may prefill the product from it."""

    event_type = "ai.analysis.completed"
    analysis_id: uuid.UUID
    product_id: uuid.UUID | None = Field(default=None, description="None for photos not yet on a product")
    image_ids: list[uuid.UUID]
    label_image_id: uuid.UUID | None = Field(default=None, description="The photo of the label that was read")
    language: str = Field(description="Language of the drafts (en, fr, de, it, es)")
    attributes: ItemAttributes
    flaws: list[FlawSeen] = Field(default_factory=list)
    drafts: dict[Marketplace, ListingDraft] = Field(default_factory=dict)
    price: PriceSuggestion | None = None
    cached: bool = Field(default=False, description="Answered from the 30-day cache; no credit spent")
    credits_spent: int = Field(
        default=0,
        ge=0,
        description="AI credits this analysis costs the tenant (committed at billing); 0 for a cached answer",
    )


class AnalysisFailed(Event):
    """An analysis failed; its credits were released."""

    event_type = "ai.analysis.failed"
    analysis_id: uuid.UUID
    product_id: uuid.UUID | None = None
    code: str = Field(description="A stable code, e.g. 'provider-unavailable', 'invalid-model-output'")
    reason: str = Field(description="For the seller")
    retryable: bool = Field(description="Asking again later may work")
