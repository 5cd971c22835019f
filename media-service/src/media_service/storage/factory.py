"""Choosing the backend from the settings."""

from __future__ import annotations

from media_service.config import Settings
from media_service.storage.base import Storage
from media_service.storage.local import LocalStorage
from media_service.storage.s3 import S3Storage


def build_storage(settings: Settings) -> Storage:
    """The backend named by ``storage_backend``."""
    if settings.storage_backend == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage.from_settings(settings)
