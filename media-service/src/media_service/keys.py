"""Object keys: everything of a tenant lives under ``t/<tenant hex>/`` so that it can be removed at once."""

from __future__ import annotations

import uuid

from media_service.processing.pipeline import EXTENSIONS


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"t/{tenant_id.hex}/"


def image_prefix(tenant_id: uuid.UUID, image_id: uuid.UUID) -> str:
    return f"{tenant_prefix(tenant_id)}images/{image_id.hex}/"


def rendition_key(tenant_id: uuid.UUID, image_id: uuid.UUID, name: str, fmt: str) -> str:
    return f"{image_prefix(tenant_id, image_id)}{name}.{EXTENSIONS[fmt]}"


def upload_key(tenant_id: uuid.UUID, upload_id: uuid.UUID) -> str:
    """Where a direct upload waits until it is completed."""
    return f"{tenant_prefix(tenant_id)}uploads/{upload_id.hex}"


def is_upload_key(key: str) -> bool:
    parts = key.split("/")
    return len(parts) == 4 and parts[0] == "t" and parts[2] == "uploads"
