"""The account's members as auth-service announces them: who owns it, and where to write to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from vitrine_kit.roles import Role

from notification_service.mail.catalogue import Language, language_of
from notification_service.recipients import repository as repo
from notification_service.scope import Scope


class RecipientService:
    async def registered(self, scope: Scope, user_id: uuid.UUID, email: str) -> None:
        """The user who registered owns the account they registered with."""
        await repo.upsert(scope.session, user_id, email=email, role=Role.OWNER.value)

    async def owner(self, scope: Scope, user_id: uuid.UUID) -> None:
        await repo.upsert(scope.session, user_id, email=None, role=Role.OWNER.value)

    async def member(self, scope: Scope, user_id: uuid.UUID, role: str, email: str | None) -> None:
        await repo.upsert(scope.session, user_id, email=email, role=role)

    async def language_changed(self, scope: Scope, user_id: uuid.UUID, code: str, at: datetime) -> None:
        """The member's mail language as of ``at`` (when they chose it); one we have no words for is English."""
        await repo.set_language(scope.session, user_id, language_of(code).value, at)

    async def language(self, scope: Scope, user_id: uuid.UUID) -> Language:
        return language_of(await repo.language(scope.session, user_id))

    async def removed(self, scope: Scope, user_id: uuid.UUID) -> None:
        await repo.remove(scope.session, user_id)

    async def unsubscribe(self, scope: Scope, user_id: uuid.UUID, topic: str) -> None:
        await repo.unsubscribe(scope.session, user_id, topic)


recipient_service = RecipientService()
