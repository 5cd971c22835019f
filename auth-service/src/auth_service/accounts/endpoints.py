"""``/register``, ``/me``, ``/password``, e-mail verification and password reset."""

from __future__ import annotations

from fastapi import APIRouter, Response
from vitrine_kit.db.deps import SharedSession

from auth_service.accounts.schemas import (
    Accepted,
    ChangePasswordIn,
    DeleteAccountIn,
    EmailIn,
    MeOut,
    RegisterIn,
    RegisterOut,
    ResetConfirmIn,
    TokenIn,
)
from auth_service.accounts.service import account_service
from auth_service.deps import Auth, UserPrincipal
from auth_service.security.idempotency import keyed_by_email
from auth_service.security.mailer import Outgoing

router = APIRouter(tags=["accounts"])


@router.post("/register", status_code=201)
async def register(body: RegisterIn, session: SharedSession, auth: Auth, mail: Outgoing) -> RegisterOut:
    """Create a user and the seller account they own."""
    return await account_service.register(
        session,
        auth,
        mail,
        email=body.email,
        password=body.password,
        tenant_name=body.tenant_name,
        language=body.language.value,
    )


keyed_by_email(router, register)


@router.get("/me")
async def me(principal: UserPrincipal, session: SharedSession) -> MeOut:
    """The caller and their seller accounts with roles."""
    return await account_service.me(session, principal)


@router.delete("/me", status_code=204)
async def delete_me(
    body: DeleteAccountIn, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> Response:
    """Delete the caller's account (password confirmation)."""
    await account_service.delete_account(session, auth, principal, password=body.password)
    return Response(status_code=204)


@router.post("/password", status_code=204)
async def change_password(
    body: ChangePasswordIn, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> Response:
    """Change the password; every other session is revoked."""
    await account_service.change_password(
        session, auth, principal, current=body.current_password, new=body.new_password
    )
    return Response(status_code=204)


@router.post("/verify-email", status_code=204)
async def verify_email(body: TokenIn, session: SharedSession) -> Response:
    """Confirm the e-mail address with the token from the mail."""
    await account_service.verify_email(session, body.token)
    return Response(status_code=204)


@router.post("/verify-email/resend", status_code=202)
async def resend_verification(body: EmailIn, session: SharedSession, auth: Auth, mail: Outgoing) -> Accepted:
    """Send the verification mail again (always 202)."""
    await account_service.resend_verification(session, auth, mail, body.email)
    return Accepted()


@router.post("/password-reset", status_code=202)
async def password_reset(body: EmailIn, session: SharedSession, auth: Auth, mail: Outgoing) -> Accepted:
    """Mail a password-reset link if the account exists (always 202)."""
    await account_service.request_password_reset(session, auth, mail, body.email)
    return Accepted()


@router.post("/password-reset/confirm", status_code=204)
async def password_reset_confirm(body: ResetConfirmIn, session: SharedSession, auth: Auth) -> Response:
    """Set a new password with a reset token; every session is revoked."""
    await account_service.confirm_password_reset(
        session, auth, token=body.token, new_password=body.new_password
    )
    return Response(status_code=204)
