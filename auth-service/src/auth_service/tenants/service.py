"""Members of the current tenant: invitations, roles, removal, and its audit log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.identity import MemberAdded, MemberRemoved, MemberRoleChanged
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset
from vitrine_kit.roles import Capability, check

from auth_service.accounts import repository as accounts_repo
from auth_service.context import AuthContext
from auth_service.errors import (
    AlreadyMember,
    InvalidToken,
    InvitationEmailMismatch,
    LastOwner,
    MemberNotFound,
    NotAMember,
    UserNotFound,
)
from auth_service.models import Invitation, Membership, Role, User
from auth_service.plugin.service import plugin_service
from auth_service.profiles import language
from auth_service.revocations.service import revocation_service
from auth_service.security.mailer import MailMessage, PostCommitMail
from auth_service.security.secrets import digest, new_token
from auth_service.tenants import audit
from auth_service.tenants.acting import acting_member
from auth_service.tenants.schemas import (
    AcceptedInvitation,
    AuditEntryOut,
    AuditEntryPage,
    InvitationOut,
    MemberOut,
    MemberPage,
)

# The earliest to join first, the user id breaking ties (rows are (membership, e-mail); the primary key
# (tenant, user) finds the tenant's few rows).
JOINED = Keyset(
    (Membership.created_at, Membership.user_id),
    TypeAdapter(tuple[datetime, uuid.UUID]),
    descending=False,
    position=lambda row: (row[0].created_at, row[0].user_id),
)


def _tenant(principal: Principal) -> uuid.UUID:
    return principal.tenant


def _only_owners_touch_owners(actor: Membership, *roles: str) -> None:
    if Role.OWNER.value in roles:
        check([actor.role], Capability.TEAM_OWNERS)


async def _locked_team(
    session: AsyncSession, principal: Principal, capability: Capability | None
) -> tuple[dict[uuid.UUID, Membership], Membership]:
    """Every membership of the tenant, locked in one order (concurrent team changes queue, never deadlock),
    and the caller's own, whose role — read now, not from the token — must grant ``capability``."""
    rows = await session.execute(
        sa.select(Membership)
        .where(Membership.tenant_id == _tenant(principal))
        .order_by(Membership.user_id)
        .with_for_update()
    )
    team = {m.user_id: m for m in rows.scalars()}
    actor = team.get(principal.user_id)
    if actor is None:
        raise NotAMember("You are no longer a member of this seller account.")
    if capability is not None:
        check([actor.role], capability)
    return team, actor


class TenantService:
    """The current tenant (from the token) and its people; every change checks the caller's role as the
    database has it at that moment (a token's role may be up to 15 minutes old)."""

    async def invite(
        self,
        session: AsyncSession,
        auth: AuthContext,
        mail: PostCommitMail,
        principal: Principal,
        *,
        email: str,
        role: Role,
    ) -> InvitationOut:
        """Invite ``email`` with ``role``; the link carries a single-use token (7 days)."""
        tenant_id = _tenant(principal)
        actor = await acting_member(session, principal, Capability.TEAM_MANAGE)
        _only_owners_touch_owners(actor, role.value)
        existing = await accounts_repo.user_by_email(session, email)
        if existing is not None and await accounts_repo.membership(session, tenant_id, existing.id):
            raise AlreadyMember()
        token = new_token()
        invitation = Invitation(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            email=email,
            role=role.value,
            token_hash=digest(token),
            invited_by=principal.user_id,
            expires_at=utcnow() + timedelta(seconds=auth.settings.invitation_ttl_s),
        )
        session.add(invitation)
        await session.flush()
        await audit.record(
            session,
            auth.tenants,
            tenant_id,
            "member.invited",
            actor_id=principal.user_id,
            subject=email,
            details={"role": role.value},
        )
        mail.send(
            MailMessage(
                to=email,
                kind="invitation",
                subject="You are invited to a Vitrine seller account",
                link=f"{auth.settings.public_app_url}/invitations/accept?token={token}",
                token=token,
            )
        )
        return InvitationOut(id=invitation.id, email=email, role=role.value, expires_at=invitation.expires_at)

    async def accept(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, token: str
    ) -> AcceptedInvitation:
        """Join the inviting tenant; the caller's e-mail must be the invited one."""
        now = utcnow()
        invitation = (
            await session.execute(
                sa.select(Invitation).where(Invitation.token_hash == digest(token)).with_for_update()
            )
        ).scalar_one_or_none()
        if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
            raise InvalidToken()
        user = await accounts_repo.user_by_id(session, principal.user_id)
        if user is None:
            raise UserNotFound()
        if user.email != invitation.email:
            raise InvitationEmailMismatch()
        if await accounts_repo.membership(session, invitation.tenant_id, user.id):
            raise AlreadyMember()
        invitation.accepted_at = now
        session.add(Membership(tenant_id=invitation.tenant_id, user_id=user.id, role=invitation.role))
        await session.flush()
        await audit.record(
            session,
            auth.tenants,
            invitation.tenant_id,
            "member.joined",
            actor_id=user.id,
            subject=str(user.id),
            details={"role": invitation.role},
        )
        auth.outbox.add(
            session,
            MemberAdded(
                tenant_id=invitation.tenant_id, user_id=user.id, role=invitation.role, email=user.email
            ),
            tenant_id=invitation.tenant_id,
        )
        language.announce_if_not_default(session, auth, user.id, invitation.tenant_id, user.language)
        return AcceptedInvitation(tenant_id=invitation.tenant_id, role=invitation.role)

    async def members(
        self, session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
    ) -> MemberPage:
        await acting_member(session, principal, Capability.TEAM_READ)
        query = (
            sa.select(Membership, User.email)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == _tenant(principal))
        )
        rows, next_cursor = JOINED.page(
            (await session.execute(JOINED.select(query, limit=limit, cursor=cursor))).all(), limit
        )
        return MemberPage(
            items=[
                MemberOut(user_id=m.user_id, email=email, role=m.role, joined_at=m.created_at)
                for m, email in rows
            ],
            next_cursor=next_cursor,
        )

    async def change_role(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, user_id: uuid.UUID, role: Role
    ) -> MemberOut:
        """Change a member's role; their tokens with the old role are refused everywhere within seconds."""
        tenant_id = _tenant(principal)
        team, actor = await _locked_team(session, principal, Capability.TEAM_MANAGE)
        member = team.get(user_id)
        if member is None:
            raise MemberNotFound()
        _only_owners_touch_owners(actor, member.role, role.value)
        owners = [m.user_id for m in team.values() if m.role == Role.OWNER.value]
        if member.role == Role.OWNER.value and role != Role.OWNER and owners == [user_id]:
            raise LastOwner()
        previous, member.role = member.role, role.value
        if previous != member.role:
            await revocation_service.revoke_member(session, auth.settings, user_id, tenant_id)
        await audit.record(
            session,
            auth.tenants,
            tenant_id,
            "member.role_changed",
            actor_id=principal.user_id,
            subject=str(user_id),
            details={"from": previous, "to": role.value},
        )
        user = await accounts_repo.user_by_id(session, user_id)
        if user is None:
            raise MemberNotFound()
        if previous != member.role:
            # notification-service mails owners: it learns who they are, and where to write, from this.
            auth.outbox.add(
                session,
                MemberRoleChanged(tenant_id=tenant_id, user_id=user_id, role=member.role, email=user.email),
                tenant_id=tenant_id,
            )
        return MemberOut(user_id=user_id, email=user.email, role=member.role, joined_at=member.created_at)

    async def remove(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, user_id: uuid.UUID
    ) -> None:
        """Remove a member (owners and admins; anyone may leave); never the last owner. Their sessions,
        access tokens and the plugin devices they paired in this tenant stop working at once."""
        tenant_id = _tenant(principal)
        leaving = user_id == principal.user_id
        team, actor = await _locked_team(session, principal, None if leaving else Capability.TEAM_MANAGE)
        member = team.get(user_id)
        if member is None:
            raise MemberNotFound()
        if not leaving:
            _only_owners_touch_owners(actor, member.role)
        owners = [m.user_id for m in team.values() if m.role == Role.OWNER.value]
        if member.role == Role.OWNER.value and owners == [user_id]:
            raise LastOwner()
        await session.delete(member)
        now = utcnow()
        await accounts_repo.revoke_families(
            session, reason="removed", now=now, user_id=user_id, tenant_id=tenant_id
        )
        await revocation_service.revoke_member(session, auth.settings, user_id, tenant_id)
        await plugin_service.revoke_paired_by(session, auth, tenant_id, user_id, actor_id=principal.user_id)
        await audit.record(
            session,
            auth.tenants,
            tenant_id,
            "member.removed",
            actor_id=principal.user_id,
            subject=str(user_id),
        )
        auth.outbox.add(session, MemberRemoved(tenant_id=tenant_id, user_id=user_id), tenant_id=tenant_id)

    async def audit_log(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, limit: int, cursor: str | None
    ) -> AuditEntryPage:
        await acting_member(session, principal, Capability.AUDIT_READ)
        rows, next_cursor = await audit.entries(
            session, auth.tenants, _tenant(principal), limit=limit, cursor=cursor
        )
        items = [
            AuditEntryOut(
                id=r.id,
                occurred_at=r.occurred_at,
                actor_id=r.actor_id,
                action=r.action,
                subject=r.subject,
                details=r.details,
            )
            for r in rows
        ]
        return AuditEntryPage(items=items, next_cursor=next_cursor)


tenant_service = TenantService()
