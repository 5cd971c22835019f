"""Products as the API reads and writes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from vitrine_kit.pagination import Page

Code = Annotated[str, StringConstraints(min_length=1, max_length=80)]
MeasurementName = Literal["chest", "shoulders", "length", "sleeve", "waist", "hips", "inseam", "rise"]


class ProductStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    LISTED = "listed"
    SOLD = "sold"
    ARCHIVED = "archived"


class MaterialIn(BaseModel):
    material: Code
    percent: int | None = Field(default=None, ge=1, le=100)


class ImageIn(BaseModel):
    media_id: uuid.UUID
    is_label: bool = Field(default=False, description="The photo of the garment's label")


class ProductFields(BaseModel):
    """Every field a seller edits; all optional so that PATCH changes only what it sends."""

    model_config = ConfigDict(extra="forbid")

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    stock_quantity: int | None = Field(default=None, ge=0, le=100_000)
    brand: Code | None = None
    category: Code | None = None
    size_system: Code | None = None
    size: Code | None = None
    colours: list[Code] | None = Field(default=None, max_length=2)
    materials: list[MaterialIn] | None = Field(default=None, max_length=10)
    condition: Code | None = None
    gender: Code | None = None
    measurements_cm: dict[MeasurementName, Decimal] | None = None
    attributes: dict[str, Code] | None = Field(
        default=None, description="fit, season, pattern, neckline, sleeve_length, length, rise, closure…"
    )
    flaws: list[Annotated[str, StringConstraints(min_length=1, max_length=500)]] | None = Field(
        default=None, max_length=30
    )
    notes: Annotated[str, StringConstraints(max_length=5_000)] | None = None
    images: list[ImageIn] | None = Field(default=None, max_length=20, description="In display order")

    @field_validator("materials")
    @classmethod
    def _percent_total(cls, value: list[MaterialIn] | None) -> list[MaterialIn] | None:
        if value and sum(m.percent or 0 for m in value) > 100:
            raise ValueError("the percentages add up to more than 100")
        return value

    @field_validator("images")
    @classmethod
    def _one_label(cls, value: list[ImageIn] | None) -> list[ImageIn] | None:
        if value:
            if sum(1 for i in value if i.is_label) > 1:
                raise ValueError("at most one image can be the label photo")
            if len({i.media_id for i in value}) != len(value):
                raise ValueError("an image appears twice")
        return value

    @field_validator("measurements_cm")
    @classmethod
    def _positive(cls, value: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        if value and any(v <= 0 or v > 500 for v in value.values()):
            raise ValueError("measurements are between 0 and 500 cm")
        return value


class ProductCreate(ProductFields):
    """A new product starts as a draft; a SKU is made up when none is given."""


class ProductUpdate(ProductFields):
    version: int | None = Field(default=None, description="The version you read (or send If-Match)")


class StatusChange(BaseModel):
    status: ProductStatus
    version: int | None = None


class PublicationSummary(BaseModel):
    marketplace: str
    site: str | None = Field(default=None, description="The eBay site (None elsewhere)")
    status: str
    url: str | None = None
    reason: str | None = None


class FieldOrigin(StrEnum):
    AI = "ai"
    SELLER = "seller"


class FieldSourceOut(BaseModel):
    """Who set a field last: an accepted AI suggestion (with its analysis and confidence) or the seller."""

    source: FieldOrigin
    analysis_id: uuid.UUID | None = Field(default=None, description="The analysis, for an AI value")
    confidence: float | None = Field(default=None, description="The analysis' confidence in the value")
    set_at: datetime


class ProductOut(BaseModel):
    id: uuid.UUID
    version: int
    status: ProductStatus
    sku: str
    title: str
    description: str
    price: Decimal | None
    currency: str
    stock_quantity: int
    brand: str | None
    category: str | None
    size_system: str | None
    size: str | None
    colours: list[str]
    materials: list[dict[str, Any]]
    condition: str | None
    gender: str | None
    measurements_cm: dict[str, Decimal]
    attributes: dict[str, str]
    flaws: list[str]
    notes: str
    images: list[dict[str, Any]]
    sold_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    publications: list[PublicationSummary] = []
    field_sources: dict[str, FieldSourceOut] = Field(
        default_factory=dict,
        description=(
            "Per field (``brand``, ``size``, ``attributes.fit``…), who set its value last: ``ai`` (an accepted"
            " suggestion) or ``seller``; a field never set through the API or an accepted suggestion is absent"
        ),
    )


class ProductPage(Page[ProductOut]):
    """Products of the filter, a page at a time, with how many match it in all."""

    total: int = Field(description="Products matching the filter, on every page")


class BulkAction(StrEnum):
    UPDATE = "update"
    STATUS = "status"
    DELETE = "delete"
    RESTORE = "restore"
    PUBLISH = "publish"


class BulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: BulkAction
    ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    fields: ProductFields | None = None
    status: ProductStatus | None = None
    marketplaces: list[str] | None = None


class BulkResult(BaseModel):
    id: uuid.UUID
    ok: bool
    status: int
    product: ProductOut | None = None
    error: dict[str, Any] | None = None


class BulkResponse(BaseModel):
    succeeded: int
    failed: int
    results: list[BulkResult]
