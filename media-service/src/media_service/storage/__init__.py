"""Where image files live: a local directory or S3-compatible storage, behind one interface."""

from media_service.storage.base import Storage, StorageUnavailable
from media_service.storage.factory import build_storage

__all__ = ["Storage", "StorageUnavailable", "build_storage"]
