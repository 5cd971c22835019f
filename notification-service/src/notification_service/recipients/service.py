"""The account's members as auth-service announces them: who owns it, and where to write to them."""

from __future__ import annotations

import uuid

from vitrine_kit.roles import Role

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

    async def removed(self, scope: Scope, user_id: uuid.UUID) -> None:
        await repo.remove(scope.session, user_id)

    async def unsubscribe(self, scope: Scope, user_id: uuid.UUID, topic: str) -> None:
        await repo.unsubscribe(scope.session, user_id, topic)


recipient_service = RecipientService()
