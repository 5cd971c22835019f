"""FastAPI dependencies of notification-service, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query
from vitrine_kit.scope import context_of

from notification_service.context import NotifyContext
from notification_service.mail.links import Unsubscribe
from notification_service.scope import Scope

Context = Annotated[NotifyContext, Depends(context_of)]
After = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**63 - 1,
        description="Resume after this item id (for clients that cannot send Last-Event-ID)",
    ),
]
LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID", description="The id of the last event received; EventSource sends it itself"
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many items")]
Token = Annotated[str, Query(min_length=16, max_length=400, description="The token of the e-mail's link")]


async def _link(ctx: Context, token: Token) -> Unsubscribe:
    return ctx.links.read(token)


# Who wants to stop what, from a signed link (no login): the tenant comes from the signature.
Link = Annotated[Unsubscribe, Depends(_link)]


async def _link_scope(ctx: Context, link: Link) -> AsyncIterator[Scope]:
    if ctx.tenants is not None:
        await ctx.tenants.ensure(link.tenant_id, provision=False)
    async with ctx.db.tenant_session(link.tenant_id) as session:
        yield Scope(session=session, tenant_id=link.tenant_id, context=ctx)
        await session.commit()


# The link's tenant, in a session committed before the answer is sent.
LinkScope = Annotated[Scope, Depends(_link_scope, scope="function")]
