"""The routers of media-service (own paths; the gateway serves them under ``/api/media``)."""

from fastapi import APIRouter

from media_service.files.endpoints import router as files
from media_service.images.endpoints import router as images
from media_service.internal.endpoints import router as internal

routers: list[APIRouter] = [images, files, internal]
