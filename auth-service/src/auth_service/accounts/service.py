"""Registration, the caller's account, password change and reset, e-mail verification, deletion."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.identity import (
    MemberRemoved,
    TenantCreated,
    TenantDeleted,
    UserDeleted,
    UserRegistered,
)
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.base import utcnow

from auth_service.accounts import repository as repo
from auth_service.accounts.schemas import MeOut, RegisterOut, TenantMembership
from auth_service.context import AuthContext
from auth_service.errors import InvalidToken, UserNotFound, WeakPassword, WrongPassword
from auth_service.models import Membership, OneTimeToken, Role, TenantAccount, User
from auth_service.plugin.service import plugin_service
from auth_service.profiles.language import announce_if_not_default
from auth_service.revocations.service import revocation_service
from auth_service.security.mailer import MailMessage, PostCommitMail
from auth_service.security.secrets import digest, new_token
from auth_service.security.throttle import account_key
from auth_service.tenants import audit

VERIFY, RESET = "verify_email", "reset_password"


def check_new_password(password: str, email: str, field: str = "new_password") -> None:
    """The rules the schema cannot see: the password must not be the e-mail."""
    if password.strip().lower() == email:
        raise WeakPassword(
            "The password must not be the e-mail address.",
            errors=[{"field": field, "message": "must not be the e-mail address", "type": "value_error"}],
        )


class AccountService:
    """Everything about one person's account."""

    async def register(
        self,
        session: AsyncSession,
        auth: AuthContext,
        mail: PostCommitMail,
        *,
        email: str,
        password: str,
        tenant_name: str | None,
        language: str = "en",
    ) -> RegisterOut:
        """Create the user and the tenant they own; emit ``tenant.created`` and ``user.registered``.

        A taken address gets the same answer and a "you already have an account" mail instead, so the
        endpoint never tells whether an e-mail is registered.
        """
        # Hash first: a taken e-mail then costs the same time as a new one.
        password_hash = await auth.hasher.hash(password)
        if await repo.user_by_email(session, email) is not None:
            self._send_account_exists(auth, mail, email)
            return RegisterOut(email=email)
        user = User(id=uuid.uuid4(), email=email, password_hash=password_hash, language=language)
        tenant = TenantAccount(
            id=uuid.uuid4(), name=tenant_name or f"{email.split('@')[0]}'s shop", plan="free"
        )
        try:
            async with session.begin_nested():
                session.add_all([user, tenant])
                await session.flush()
        except IntegrityError:  # a concurrent registration of the same e-mail won
            self._send_account_exists(auth, mail, email)
            return RegisterOut(email=email)
        session.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER.value))
        auth.outbox.add(
            session,
            TenantCreated(tenant_id=tenant.id, owner_user_id=user.id, name=tenant.name, plan=tenant.plan),
            tenant_id=tenant.id,
        )
        auth.outbox.add(
            session, UserRegistered(user_id=user.id, tenant_id=tenant.id, email=email), tenant_id=tenant.id
        )
        announce_if_not_default(session, auth, user.id, tenant.id, language)
        await self._send_verification(session, auth, mail, user)
        return RegisterOut(email=email)

    def _send_account_exists(self, auth: AuthContext, mail: PostCommitMail, email: str) -> None:
        mail.send(
            MailMessage(
                to=email,
                kind="account_exists",
                subject="You already have a Vitrine account",
                link=f"{auth.settings.public_app_url}/forgot-password",
            )
        )

    async def _send_verification(
        self, session: AsyncSession, auth: AuthContext, mail: PostCommitMail, user: User
    ) -> None:
        token = new_token()
        session.add(
            OneTimeToken(
                token_hash=digest(token),
                purpose=VERIFY,
                user_id=user.id,
                expires_at=utcnow() + timedelta(seconds=auth.settings.verify_email_ttl_s),
            )
        )
        await session.flush()
        mail.send(
            MailMessage(
                to=user.email,
                kind="verify_email",
                subject="Confirm your e-mail address",
                link=f"{auth.settings.public_app_url}/verify-email?token={token}",
                token=token,
            )
        )

    async def current_user(self, session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User:
        user = await repo.user_by_id(session, user_id, lock=lock)
        if user is None:
            raise UserNotFound()
        return user

    async def me(self, session: AsyncSession, principal: Principal) -> MeOut:
        """The caller, with every tenant they belong to and their role there."""
        user = await self.current_user(session, principal.user_id)
        memberships = await repo.memberships_of(session, user.id)
        return MeOut(
            id=user.id,
            email=user.email,
            email_verified=user.email_verified_at is not None,
            created_at=user.created_at,
            current_tenant_id=principal.tenant,
            roles=sorted(principal.roles),
            tenants=[TenantMembership(id=t.id, name=t.name, role=m.role) for m, t in memberships],
        )

    async def change_password(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, *, current: str, new: str
    ) -> None:
        """Verify the current password, set the new one, revoke every other session."""
        user = await self.current_user(session, principal.user_id, lock=True)
        if not await auth.hasher.verify(user.password_hash, current):
            raise WrongPassword()
        check_new_password(new, user.email)
        user.password_hash = await auth.hasher.hash(new)
        user.password_changed_at = now = utcnow()
        sid = principal.claims.get("sid")
        await repo.revoke_families(
            session,
            reason="password-changed",
            now=now,
            user_id=user.id,
            keep_family=uuid.UUID(sid) if sid else None,
        )
        await audit.record(session, auth.tenants, principal.tenant, "password.changed", actor_id=user.id)

    async def verify_email(self, session: AsyncSession, token: str) -> None:
        """Mark the e-mail verified with a single-use token."""
        now = utcnow()
        row = await repo.take_one_time_token(session, digest(token), VERIFY, now)
        if row is None:
            raise InvalidToken()
        user = await self.current_user(session, row.user_id)
        user.email_verified_at = user.email_verified_at or now

    async def resend_verification(
        self, session: AsyncSession, auth: AuthContext, mail: PostCommitMail, email: str
    ) -> None:
        """Send a new verification link if the account exists and is unverified (the answer is the same)."""
        user = await repo.user_by_email(session, email)
        if user is not None and user.email_verified_at is None:
            await self._send_verification(session, auth, mail, user)

    async def request_password_reset(
        self, session: AsyncSession, auth: AuthContext, mail: PostCommitMail, email: str
    ) -> None:
        """Mail a reset link (1 h) if the account exists; the answer never says whether it does."""
        user = await repo.user_by_email(session, email)
        if user is None:
            return
        token = new_token()
        session.add(
            OneTimeToken(
                token_hash=digest(token),
                purpose=RESET,
                user_id=user.id,
                expires_at=utcnow() + timedelta(seconds=auth.settings.password_reset_ttl_s),
            )
        )
        await session.flush()
        mail.send(
            MailMessage(
                to=user.email,
                kind="password_reset",
                subject="Reset your password",
                link=f"{auth.settings.public_app_url}/reset-password?token={token}",
                token=token,
            )
        )

    async def confirm_password_reset(
        self, session: AsyncSession, auth: AuthContext, *, token: str, new_password: str
    ) -> None:
        """Set a new password with a reset token; every session is revoked and the login lock lifted."""
        now = utcnow()
        row = await repo.take_one_time_token(session, digest(token), RESET, now)
        if row is None:
            raise InvalidToken()
        user = await self.current_user(session, row.user_id, lock=True)
        check_new_password(new_password, user.email)
        user.password_hash = await auth.hasher.hash(new_password)
        user.password_changed_at = now
        # Proof of mailbox control also verifies the address.
        user.email_verified_at = user.email_verified_at or now
        await repo.expire_open_tokens(session, user.id, RESET, now)
        await repo.revoke_families(session, reason="password-reset", now=now, user_id=user.id)
        await auth.throttler.clear(account_key(user.email))

    async def delete_account(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, *, password: str
    ) -> None:
        """Delete the caller: tenants they solely own go with them (``tenant.deleted`` each), they leave
        the others, then ``user.deleted``."""
        user = await self.current_user(session, principal.user_id, lock=True)
        if not await auth.hasher.verify(user.password_hash, password):
            raise WrongPassword("The password is wrong.")
        for membership, tenant in await repo.memberships_of(session, user.id):
            owners = await repo.owners_of(session, tenant.id, lock=True)
            if membership.role == Role.OWNER.value and owners == [user.id]:
                await session.execute(sa.delete(TenantAccount).where(TenantAccount.id == tenant.id))
                auth.outbox.add(session, TenantDeleted(tenant_id=tenant.id), tenant_id=tenant.id)
            else:
                await revocation_service.revoke_member(session, auth.settings, user.id, tenant.id)
                await plugin_service.revoke_paired_by(session, auth, tenant.id, user.id, actor_id=user.id)
                await audit.record(
                    session, auth.tenants, tenant.id, "member.left", actor_id=user.id, subject=str(user.id)
                )
                auth.outbox.add(
                    session, MemberRemoved(tenant_id=tenant.id, user_id=user.id), tenant_id=tenant.id
                )
        await session.execute(sa.delete(User).where(User.id == user.id))
        auth.outbox.add(session, UserDeleted(user_id=user.id))


account_service = AccountService()
