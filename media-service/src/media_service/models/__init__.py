"""The tables of media-service."""

from media_service.models.base import SharedBase, TenantBase
from media_service.models.image import Image
from media_service.models.purge import StoragePurge
from media_service.models.staged import StagedUpload

__all__ = ["Image", "SharedBase", "StagedUpload", "StoragePurge", "TenantBase"]
