"""The caller's role as the database has it now: team and device changes never trust a token's role."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.principal import Principal
from vitrine_kit.roles import Capability, check

from auth_service.accounts import repository as accounts_repo
from auth_service.errors import NotAMember
from auth_service.models import Membership


async def acting_member(
    session: AsyncSession, principal: Principal, capability: Capability | None = None
) -> Membership:
    """The caller's membership in the token's tenant, locked for this transaction; 403 when it is gone or
    its role (read now, not from the token) lacks ``capability``."""
    member = await accounts_repo.membership(session, principal.tenant, principal.user_id, lock=True)
    if member is None:
        raise NotAMember("You are no longer a member of this seller account.")
    if capability is not None:
        check([member.role], capability)
    return member
