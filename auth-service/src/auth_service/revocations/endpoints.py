"""``/internal/token-revocations``: the list the kit's verifiers pull (never routed by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from vitrine_kit.db.deps import SharedSession

from auth_service.revocations.service import revocation_service

router = APIRouter(tags=["internal"])


class RevocationOut(BaseModel):
    key: str
    not_before: float
    expires_at: float


class RevocationsOut(BaseModel):
    now: float
    entries: list[RevocationOut]


@router.get("/internal/token-revocations")
async def revocations(
    session: SharedSession, since: Annotated[float, Query(ge=0, description="epoch seconds")] = 0.0
) -> RevocationsOut:
    """Live revocations recorded since ``since``: hashed keys, so the list names nobody."""
    page = await revocation_service.page(session, since)
    return RevocationsOut(now=page.now, entries=[RevocationOut(**e.to_json()) for e in page.entries])
