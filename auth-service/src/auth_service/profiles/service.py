"""Profiles: the user's own (name, language) and the seller account's business (country, seller type and
what a professional needs), the latter changed only by a role that manages the account."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_kit.auth.principal import Principal
from vitrine_kit.roles import Capability

from auth_service.accounts import repository as accounts_repo
from auth_service.accounts.service import account_service
from auth_service.context import AuthContext
from auth_service.errors import InvalidProfile, NotAMember
from auth_service.models import TenantAccount
from auth_service.profiles import language
from auth_service.profiles.identifiers import vat_problem
from auth_service.profiles.schemas import (
    BusinessProfileOut,
    BusinessProfilePatch,
    Language,
    SellerType,
    UserProfileOut,
    UserProfilePatch,
)
from auth_service.tenants import audit
from auth_service.tenants.acting import acting_member

BUSINESS_FIELDS = ("company_name", "vat_number", "siret")


def missing_fields(tenant: TenantAccount) -> list[str]:
    """What onboarding still needs: a country and a seller type; a professional's company name, and in
    France their SIRET (a VAT number is optional: small businesses under the VAT threshold have none)."""
    missing = [f for f in ("country", "seller_type") if getattr(tenant, f) is None]
    if tenant.seller_type == SellerType.PROFESSIONAL.value:
        if not tenant.company_name:
            missing.append("company_name")
        if tenant.country == "FR" and not tenant.siret:
            missing.append("siret")
    return missing


def _business_out(tenant: TenantAccount) -> BusinessProfileOut:
    missing = missing_fields(tenant)
    return BusinessProfileOut(
        name=tenant.name,
        country=tenant.country,
        seller_type=SellerType(tenant.seller_type) if tenant.seller_type else None,
        company_name=tenant.company_name,
        vat_number=tenant.vat_number,
        siret=tenant.siret,
        missing=missing,
        complete=not missing,
    )


def _refuse(field: str, message: str) -> InvalidProfile:
    return InvalidProfile(f"{field}: {message}.", errors=[{"field": field, "message": message}])


class ProfileService:
    async def user_profile(self, session: AsyncSession, principal: Principal) -> UserProfileOut:
        user = await account_service.current_user(session, principal.user_id)
        return UserProfileOut(email=user.email, name=user.name, language=Language(user.language))

    async def update_user_profile(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, patch: UserProfilePatch
    ) -> UserProfileOut:
        """Change the caller's name or language; a new language is announced to every seller account of
        theirs (``user.language_changed``), whose services write to them in it."""
        user = await account_service.current_user(session, principal.user_id, lock=True)
        sent = patch.model_fields_set
        if "name" in sent:
            user.name = patch.name
        if "language" in sent and patch.language.value != user.language:
            user.language = patch.language.value
            for membership, _ in await accounts_repo.memberships_of(session, user.id):
                language.announce(session, auth, user.id, membership.tenant_id, user.language)
        return UserProfileOut(email=user.email, name=user.name, language=Language(user.language))

    async def business_profile(self, session: AsyncSession, principal: Principal) -> BusinessProfileOut:
        await acting_member(session, principal)
        return _business_out(await self._tenant(session, principal))

    async def update_business_profile(
        self, session: AsyncSession, auth: AuthContext, principal: Principal, patch: BusinessProfilePatch
    ) -> BusinessProfileOut:
        """Change the seller account's business profile (a role with ``billing.manage``: owner, admin);
        every field is checked against the others as they will be, and a refusal names the field."""
        await acting_member(session, principal, Capability.BILLING_MANAGE)
        tenant = await self._tenant(session, principal, lock=True)
        sent = patch.model_fields_set
        if "name" in sent:
            tenant.name = patch.name
        if "country" in sent:
            tenant.country = patch.country
        if "seller_type" in sent:
            if patch.seller_type is SellerType.INDIVIDUAL:
                tenant.become_individual()
            else:
                tenant.seller_type = patch.seller_type.value
        for field in BUSINESS_FIELDS:
            if field not in sent:
                continue
            value = getattr(patch, field)
            if value is not None and tenant.seller_type != SellerType.PROFESSIONAL.value:
                raise _refuse(field, "only a professional seller has one (set seller_type to professional)")
            setattr(tenant, field, value)
        if tenant.vat_number is not None and (problem := vat_problem(tenant.vat_number, tenant.country)):
            raise _refuse("vat_number", problem)
        if tenant.siret is not None and tenant.country != "FR":
            raise _refuse("siret", "only a seller in France (country FR) has a SIRET")
        await audit.record(
            session,
            auth.tenants,
            tenant.id,
            "profile.changed",
            actor_id=principal.user_id,
            details={"fields": sorted(sent)},
        )
        return _business_out(tenant)

    async def _tenant(
        self, session: AsyncSession, principal: Principal, *, lock: bool = False
    ) -> TenantAccount:
        query = sa.select(TenantAccount).where(TenantAccount.id == principal.tenant)
        if lock:
            query = query.with_for_update()
        tenant = (await session.execute(query)).scalar_one_or_none()
        if tenant is None:
            raise NotAMember("This seller account no longer exists.")
        return tenant


profile_service = ProfileService()
