"""The benchmark's upstream: one small authenticated endpoint, verified with the kit like every service."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from vitrine_kit.auth.deps import CurrentPrincipal
from vitrine_kit.auth.jwt import JWKSCache, TokenVerifier
from vitrine_kit.testing.tokens import AUDIENCE, ISSUER


def create_app() -> FastAPI:
    """``GET /me`` answers the verified principal; ``/.well-known/jwks.json`` serves the test key."""
    jwks: dict[str, Any] = json.loads(Path(os.environ["BENCH_JWKS_FILE"]).read_text())

    async def fetch() -> dict[str, Any]:
        return jwks

    app = FastAPI(openapi_url="/openapi.json")
    app.state.verifier = TokenVerifier(JWKSCache(fetch), issuer=ISSUER, audience=AUDIENCE)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {
            "sub": principal.subject,
            "tenant_id": str(principal.tenant_id),
            "roles": sorted(principal.roles),
        }

    @app.get("/.well-known/jwks.json")
    async def jwks_document() -> dict[str, Any]:
        return jwks

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
