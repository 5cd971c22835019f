"""Reference data as the API shows it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel


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
