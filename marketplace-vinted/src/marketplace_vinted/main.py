"""The marketplace-vinted app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from vitrine_kit.app import create_service_app
from vitrine_kit.auth.jwt import TokenVerifier
from vitrine_kit.loops import BackgroundLoop

from marketplace_vinted.api import routers
from marketplace_vinted.config import Settings
from marketplace_vinted.consumers import consumer
from marketplace_vinted.context import VintedContext
from marketplace_vinted.devices.replicas import reap_replicas
from marketplace_vinted.jobs.dispatch import run_dispatcher
from marketplace_vinted.reference.schedule import refresh_when_due

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: Settings | None = None, *, verifier: TokenVerifier | None = None) -> FastAPI:
    """Build the app; workers (RUN_MODE worker/all) also run the dispatcher, the replica reaper and
    the scheduled reference refresh. Tests pass
    their own settings and token verifier."""
    settings = settings or Settings()
    return create_service_app(
        settings,
        title="marketplace-vinted",
        description="Vinted through the seller's browser plugin: account, job queue, pacing.",
        context=VintedContext.build,
        routers=routers,
        consumers=[consumer],
        loops=[
            BackgroundLoop.forever("vinted-dispatcher", run_dispatcher),
            BackgroundLoop.every("vinted-replica-reaper", settings.replica_check_s, reap_replicas),
            BackgroundLoop.every("vinted-reference-refresh", settings.reference_check_s, refresh_when_due),
        ],
        service_dir=SERVICE_DIR,
        verifier=verifier,
    )


app = create_app()
