"""Forgetting what is no longer needed: connections never finished, old attempt counters."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from vitrine_kit.db.base import utcnow

from marketplace_etsy.context import EtsyContext
from marketplace_etsy.models import CommandAttempt, OAuthState

# Attempt counters outlive any redelivery by far; catalog's retries of a publication come within days.
ATTEMPTS_KEPT = timedelta(days=30)


async def sweep(ctx: EtsyContext) -> None:
    """Delete expired connection states and attempt counters older than ``ATTEMPTS_KEPT``."""
    now = utcnow()
    async with ctx.db.session() as session:
        await session.execute(sa.delete(OAuthState).where(OAuthState.expires_at < now))
        await session.execute(
            sa.delete(CommandAttempt).where(CommandAttempt.updated_at < now - ATTEMPTS_KEPT)
        )
        await session.commit()
