"""Background loops: mails out, daily digests, import progress, each claimed across replicas in the database.

Each tenant's share of a loop is its own transaction, committed here (the loop is the runner of its work).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from vitrine_kit.db.base import utcnow
from vitrine_kit.db.tenancy import TenantGone, TenantNotFound
from vitrine_kit.loops import BackgroundLoop

from notification_service import schedule
from notification_service.config import Settings
from notification_service.context import NotifyContext
from notification_service.feed.service import feed_service
from notification_service.imports.service import import_service
from notification_service.mail.sender import send_due
from notification_service.mail.service import mail_service
from notification_service.models import Task
from notification_service.scope import Scope

logger = logging.getLogger(__name__)
TENANTS_PER_PASS = 50


async def _each_due(ctx: NotifyContext, task: Task, work: Callable[[Scope], Awaitable[object]]) -> int:
    """Run ``work`` for every tenant whose ``task`` is due, each in its own transaction once claimed."""
    now = utcnow()
    async with ctx.db.session() as session:
        due = await schedule.due_tenants(session, task, now, TENANTS_PER_PASS)
    done = 0
    for tenant_id in due:
        if not await _tenant_lives(ctx, tenant_id):
            continue
        async with ctx.db.tenant_session(tenant_id) as session:
            if not await schedule.claim(session, tenant_id, task, now):
                continue  # another replica has it
            await work(Scope(session=session, tenant_id=tenant_id, context=ctx))
            await session.commit()
            done += 1
    return done


async def _tenant_lives(ctx: NotifyContext, tenant_id: uuid.UUID) -> bool:
    if ctx.tenants is None:
        raise RuntimeError("notification-service has tenant tables")
    try:
        await ctx.tenants.ensure(tenant_id, provision=False)
        return True
    except (TenantGone, TenantNotFound):
        async with ctx.db.session() as session:
            await schedule.forget_tenant(session, tenant_id)
            await session.commit()
        return False


async def write_digests(ctx: NotifyContext) -> int:
    """The daily digest of every tenant whose digest hour has come (once per tenant and day)."""
    return await _each_due(ctx, Task.DIGEST, lambda scope: mail_service.write_digest(scope, utcnow()))


async def _tell_imports(scope: Scope) -> None:
    for draft in await import_service.untold(scope):
        await feed_service.record(scope, draft)


async def tell_imports(ctx: NotifyContext) -> int:
    """Import counts that came within the interval, said once it has passed."""
    return await _each_due(ctx, Task.IMPORTS, _tell_imports)


async def _send_mails(ctx: NotifyContext) -> int:
    return await send_due(ctx)


def loops(settings: Settings) -> list[BackgroundLoop[NotifyContext]]:
    """The worker's loops, at the intervals ``settings`` give."""
    return [
        BackgroundLoop.every("mail-sender", settings.mail_poll_s, _send_mails),
        BackgroundLoop.every("digests", settings.digest_poll_s, write_digests),
        BackgroundLoop.every("import-progress", 1.0, tell_imports),
    ]
