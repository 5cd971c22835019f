"""``/me/profile`` (the caller's own) and ``/tenants/current/profile`` (the seller account's business)."""

from __future__ import annotations

from fastapi import APIRouter
from vitrine_kit.db.deps import SharedSession

from auth_service.deps import Auth, UserPrincipal
from auth_service.profiles.schemas import (
    BusinessProfileOut,
    BusinessProfilePatch,
    UserProfileOut,
    UserProfilePatch,
)
from auth_service.profiles.service import profile_service

router = APIRouter(tags=["profiles"])


@router.get("/me/profile")
async def my_profile(principal: UserPrincipal, session: SharedSession) -> UserProfileOut:
    """The caller's name and language."""
    return await profile_service.user_profile(session, principal)


@router.patch("/me/profile")
async def update_my_profile(
    body: UserProfilePatch, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> UserProfileOut:
    """Change the caller's name or language (the default of their AI texts and mails)."""
    return await profile_service.update_user_profile(session, auth, principal, body)


@router.get("/tenants/current/profile")
async def business_profile(principal: UserPrincipal, session: SharedSession) -> BusinessProfileOut:
    """The seller account's country, seller type and business identifiers, with what onboarding still needs."""
    return await profile_service.business_profile(session, principal)


@router.patch("/tenants/current/profile")
async def update_business_profile(
    body: BusinessProfilePatch, principal: UserPrincipal, session: SharedSession, auth: Auth
) -> BusinessProfileOut:
    """Change the seller account's business profile (owner or admin: ``billing.manage``)."""
    return await profile_service.update_business_profile(session, auth, principal, body)
