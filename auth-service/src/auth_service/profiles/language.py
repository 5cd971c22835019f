"""Announcing a user's language to a seller account: its services write to them (AI texts, mails) in it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.identity import UserLanguageChanged

from auth_service.context import AuthContext
from auth_service.profiles.schemas import Language

# What every service assumes of a member it was told no language of.
DEFAULT_LANGUAGE = Language.EN


def announce(
    session: AsyncSession, auth: AuthContext, user_id: uuid.UUID, tenant_id: uuid.UUID, language: str
) -> None:
    """Emit ``user.language_changed`` to ``tenant_id`` in the transaction of the change."""
    auth.outbox.add(
        session,
        UserLanguageChanged(tenant_id=tenant_id, user_id=user_id, language=language),
        tenant_id=tenant_id,
    )


def announce_if_not_default(
    session: AsyncSession, auth: AuthContext, user_id: uuid.UUID, tenant_id: uuid.UUID, language: str
) -> None:
    """A user arriving in an account (registering, joining) with another language than the default."""
    if language != DEFAULT_LANGUAGE.value:
        announce(session, auth, user_id, tenant_id, language)
