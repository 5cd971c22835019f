"""Reference data as the API shows it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, RootModel
from vitrine_kit.pagination import Page


class ReferenceTypes(RootModel[list[str]]):
    """The reference data types in alphabetical order: each has its values at ``/reference/{type}``, and
    ``brand`` is searched at ``/reference/brands``."""


class ValueOut(BaseModel):
    code: str
    parent: str | None = None
    label: str
    labels: dict[str, str]
    data: dict[str, Any] = {}


class BrandOut(BaseModel):
    code: str
    name: str
    aliases: list[str]


class MappingOut(BaseModel):
    marketplace: str
    kind: str
    code: str
    gender: str
    site: str
    external_id: str
    data: dict[str, Any] = {}
    retired: bool = False  # the marketplace no longer offers external_id (listed only when asked for)


class PendingBrandStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class PendingBrandOut(BaseModel):
    """A brand typed on this account's products that the shared list does not have (yet)."""

    id: uuid.UUID
    name: str
    status: PendingBrandStatus
    code: str | None = Field(description="The shared brand's code once accepted")
    created_at: datetime
    reviewed_at: datetime | None


class BrandPage(Page[BrandOut]):
    """Brands in name order (names starting with ``q`` first)."""


class PendingBrandPage(Page[PendingBrandOut]):
    """This account's typed brands, oldest first."""
