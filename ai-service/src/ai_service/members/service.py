"""Who owns the seller account and which language they chose: the drafts' default language."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import cast, get_args

from vitrine_kit.roles import Role

from ai_service.analyses.schemas import Language
from ai_service.members import repository as repo
from ai_service.scope import Scope

logger = logging.getLogger(__name__)
LANGUAGES: frozenset[str] = frozenset(get_args(Language))


class MemberService:
    async def owner(self, scope: Scope, user_id: uuid.UUID) -> None:
        await repo.set_owner(scope.session, user_id, True)

    async def role(self, scope: Scope, user_id: uuid.UUID, role: str) -> None:
        await repo.set_owner(scope.session, user_id, role == Role.OWNER.value)

    async def removed(self, scope: Scope, user_id: uuid.UUID) -> None:
        await repo.remove(scope.session, user_id)

    async def language_changed(self, scope: Scope, user_id: uuid.UUID, language: str, at: datetime) -> None:
        """Record the member's choice as of ``at``; a language drafts are not written in is not kept."""
        code = language.strip().lower()
        if code not in LANGUAGES:
            logger.warning("language not kept: no drafts in %r", language)
            return
        await repo.set_language(scope.session, user_id, code, at)

    async def default_language(self, scope: Scope) -> Language | None:
        """The drafts' language when a request names none: the one an owner chose last."""
        code = await repo.owners_language(scope.session)
        return cast(Language, code) if code in LANGUAGES else None


member_service = MemberService()
