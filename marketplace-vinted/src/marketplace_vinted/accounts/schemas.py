"""The account and its pacing as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

HOUR_S = 3600.0


class PacingIn(BaseModel):
    """How the seller's Vinted writes are spaced: a gap drawn between ``min_gap_s`` and ``max_gap_s``, and a
    longer pause every ``pause_every`` writes (0: never); a maximum below the minimum is raised to it. Bounded to what an hour can hold."""

    writes_per_hour: int = Field(ge=1, le=200)
    min_gap_s: float = Field(ge=0, le=HOUR_S)
    max_gap_s: float = Field(ge=0, le=HOUR_S)
    pause_every: int = Field(default=12, ge=0, le=200)
    pause_s: float = Field(default=20.0, ge=0, le=HOUR_S)


class PacingOut(BaseModel):
    """The pacing and what is left of this hour's writes."""

    writes_per_hour: int
    used_last_hour: int
    remaining: int
    next_write_at: datetime
    blocked_until: datetime | None
    min_gap_s: float
    max_gap_s: float
    pause_every: int
    pause_s: float


class AccountOut(BaseModel):
    id: uuid.UUID
    vinted_user_id: int | None
    login: str | None
    domain: str | None
    logged_in: bool
    session_expired_at: datetime | None
    plugins_online: int
    pacing: PacingOut
