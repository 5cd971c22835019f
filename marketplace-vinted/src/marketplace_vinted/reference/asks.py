"""A seller's own asks for reference lists (``POST /reference/...``): one fetch of a list at a time, and a
list at most once a ``REFERENCE_MANUAL_COOLDOWN_S``.

A list is Vinted's, the same for every seller, and a whole one costs the fleet dearly (60,000 brands are
about 13 parts through the relay, each seconds of catalog's work), so a seller or a script asking again and
again is answered 409 (naming the job under way) while its fetch of that list (``what:catalog_id``) is
unfinished, and 429 with ``Retry-After`` within the cooldown of its last ask of that list without a keyword.
Asks of one list are taken one at a time (its ``reference_asks`` row is locked). The scheduled refresh is
bound by neither: the system chooses it, once a period.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.relay.v1 import FetchReferenceParams, JobKind
from vitrine_kit.db.base import utcnow

from marketplace_vinted.errors import ReferenceCooldown, ReferenceFetchUnderWay
from marketplace_vinted.models import ACTIVE, Job, ReferenceAsk
from marketplace_vinted.reference.runs import list_key
from marketplace_vinted.scope import Scope


def named(key: str) -> str:
    """``brands:`` → "brands", ``conditions:257`` → "conditions of catalog 257"."""
    what, _, catalog = key.partition(":")
    return f"{what} of catalog {catalog}" if catalog else what


class ReferenceAsks:
    async def admit(self, scope: Scope, lists: list[FetchReferenceParams]) -> None:
        """Let the seller's ask of ``lists`` through, or raise ``ReferenceFetchUnderWay`` (409) or
        ``ReferenceCooldown`` (429); an ask let through starts the cooldown of its lists without a keyword."""
        now, keys = utcnow(), sorted({list_key(p) for p in lists})
        await scope.session.execute(
            insert(ReferenceAsk).values([{"list_key": k} for k in keys]).on_conflict_do_nothing()
        )
        rows = {
            row.list_key: row
            for row in await scope.session.scalars(
                sa.select(ReferenceAsk)
                .where(ReferenceAsk.list_key.in_(keys))
                .order_by(ReferenceAsk.list_key)
                .with_for_update()
            )
        }
        await self._none_under_way(scope, set(keys))
        counted = sorted({list_key(p) for p in lists if not p.keyword})
        cooldown = scope.context.settings.reference_manual_cooldown_s
        if cooldown > 0:
            self._none_cooling(rows, counted, now, timedelta(seconds=cooldown))
        for key in counted:
            rows[key].asked_at = now

    async def _none_under_way(self, scope: Scope, keys: set[str]) -> None:
        jobs = await scope.session.scalars(
            sa.select(Job)
            .where(Job.kind == JobKind.FETCH_REFERENCE, Job.status.in_(ACTIVE))
            .order_by(Job.created_at)
        )
        for job in jobs:
            key = list_key(FetchReferenceParams.model_validate(job.params))
            if key in keys:
                raise ReferenceFetchUnderWay(
                    f"A fetch of {named(key)} is still under way (job {job.id}, {job.status.value}): "
                    "ask again once it is finished (GET /jobs).",
                    list=key,
                    job_id=str(job.id),
                )

    def _none_cooling(
        self, rows: dict[str, ReferenceAsk], keys: list[str], now: datetime, cooldown: timedelta
    ) -> None:
        again = {
            key: asked + cooldown
            for key in keys
            if (asked := rows[key].asked_at) is not None and asked + cooldown > now
        }
        if not again:
            return
        until = max(again.values())
        lists = ", ".join(f"{named(k)} from {at.isoformat(timespec='seconds')}" for k, at in again.items())
        raise ReferenceCooldown(
            f"Asked for a short while ago; may be asked again: {lists}.",
            retry_after_s=math.ceil((until - now).total_seconds()),
            lists=[{"list": k, "retry_at": at.isoformat()} for k, at in again.items()],
        )


reference_asks = ReferenceAsks()
