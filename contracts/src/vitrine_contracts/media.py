"""Events of media-service."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from vitrine_contracts.envelope import Event


class Derivative(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str  # thumb | medium | large
    format: str  # jpeg | webp
    width: int
    height: int
    bytes: int


class ImageProcessed(Event):
    """An uploaded image was checked, oriented, stripped of metadata, and its derivatives stored."""

    event_type = "media.image.processed"
    image_id: uuid.UUID
    content_hash: str
    width: int
    height: int
    derivatives: list[Derivative]


class ImageDeleted(Event):
    event_type = "media.image.deleted"
    image_id: uuid.UUID
