"""``/tenants/current/...`` and ``/invitations/accept``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.db.deps import SharedSession
from vitrine_kit.pagination import Cursor, Limit

from auth_service.deps import Auth, MemberID, UserPrincipal
from auth_service.security.mailer import Outgoing
from auth_service.tenants.schemas import (
    AcceptedInvitation,
    AcceptIn,
    AuditEntryPage,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberPage,
    RoleIn,
)
from auth_service.tenants.service import tenant_service

router = APIRouter(tags=["tenants"])


@router.post("/tenants/current/invitations", status_code=201)
async def invite(
    body: InvitationIn, principal: UserPrincipal, session: SharedSession, auth: Auth, mail: Outgoing
) -> InvitationOut:
    """Invite someone by e-mail (owner or admin; only an owner invites an owner)."""
    return await tenant_service.invite(session, auth, mail, principal, email=body.email, role=body.role)


@router.post("/invitations/accept")
async def accept(
    body: AcceptIn, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> AcceptedInvitation:
    """Join the inviting seller account; log in with its ``tenant_id`` to act in it."""
    return await tenant_service.accept(session, auth, principal, body.token)


@router.get("/tenants/current/members")
async def members(
    principal: UserPrincipal, session: SharedSession, limit: Limit = 50, cursor: Cursor = None
) -> MemberPage:
    """The members of the current seller account, the earliest to join first."""
    return await tenant_service.members(session, principal, limit=limit, cursor=cursor)


@router.patch("/tenants/current/members/{user_id}")
async def change_role(
    user_id: MemberID, body: RoleIn, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> MemberOut:
    """Change a member's role."""
    return await tenant_service.change_role(session, auth, principal, user_id, body.role)


@router.delete("/tenants/current/members/{user_id}", status_code=204)
async def remove(user_id: MemberID, principal: UserPrincipal, session: SharedSession, auth: Auth) -> Response:
    """Remove a member (never the last owner)."""
    await tenant_service.remove(session, auth, principal, user_id)
    return Response(status_code=204)


@router.get("/tenants/current/audit-log")
async def audit_log(
    principal: UserPrincipal,
    session: SharedSession,
    auth: Auth,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditEntryPage:
    """The latest tenant-level actions first (owner or admin)."""
    return await tenant_service.audit_log(session, auth, principal, limit, cursor)
