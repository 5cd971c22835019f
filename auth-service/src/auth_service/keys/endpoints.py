"""``GET /.well-known/jwks.json``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from auth_service.deps import Keys
from auth_service.keys.schemas import Jwks

router = APIRouter(tags=["keys"])


@router.get("/.well-known/jwks.json")
async def jwks(keys: Keys, response: Response) -> Jwks:
    """The public signing keys (active and retiring)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return await keys.jwks()
