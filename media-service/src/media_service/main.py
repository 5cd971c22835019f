"""The media-service app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import ServiceRuntime, create_service_app
from vitrine_kit.auth.jwt import TokenVerifier

from media_service.api import routers
from media_service.config import Settings
from media_service.consumers import storage_consumer
from media_service.context import MediaContext
from media_service.processing.pipeline import configure_limits
from media_service.storage import Storage, build_storage

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: Settings | None = None, *, storage: Storage | None = None, verifier: TokenVerifier | None = None
) -> FastAPI:
    """Build the app; tests pass their own settings, storage and token verifier."""
    settings = settings or Settings()
    chosen = storage or build_storage(settings)
    configure_limits(settings.max_image_pixels)
    pool = ThreadPoolExecutor(max_workers=settings.processing_workers, thread_name_prefix="media-cpu")

    async def startup(runtime: ServiceRuntime) -> None:
        await chosen.start()
        runtime.extras["media"] = MediaContext(settings=settings, storage=chosen, pool=pool)

    async def shutdown(runtime: ServiceRuntime) -> None:
        await chosen.close()
        pool.shutdown(wait=False, cancel_futures=True)

    return create_service_app(
        settings,
        title="media-service",
        description="Image uploads, metadata stripping, derivatives and signed URLs.",
        routers=routers,
        consumers=[storage_consumer(settings.service_name, chosen)],
        service_dir=SERVICE_DIR,
        verifier=verifier,
        on_startup=[startup],
        on_shutdown=[shutdown],
    )


app = create_app()
