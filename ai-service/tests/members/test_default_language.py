"""The drafts' default language: the one the account's owner chose last (``user.language_changed``); a
request that names a language keeps it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from ai_service.members.service import member_service
from ai_service.models import Member
from vitrine_contracts.identity import MemberAdded, TenantCreated, UserLanguageChanged
from vitrine_kit.scope import Scope


async def language_of(seller, user_id: uuid.UUID) -> str | None:
    if not await seller.app.runtime.tenants.exists(seller.tenant_id):
        return None
    async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
        return await session.scalar(sa.select(Member.language).where(Member.user_id == user_id))


async def owned_by(seller, language: str) -> uuid.UUID:
    owner = uuid.uuid4()
    await seller.play(TenantCreated(tenant_id=seller.tenant_id, owner_user_id=owner, name="shop"))
    await seller.play(UserLanguageChanged(tenant_id=seller.tenant_id, user_id=owner, language=language))

    async def known() -> bool:
        return await language_of(seller, owner) == language

    await seller.eventually(known)
    return owner


async def choose(seller, user_id: uuid.UUID, language: str, at: datetime) -> None:
    """Handle a language event of ``at`` as the consumer does (the broker cannot date an event)."""
    async with seller.app.runtime.db.tenant_session(seller.tenant_id) as session:
        scope = Scope(session=session, tenant_id=seller.tenant_id, context=seller.app.runtime.context)
        await member_service.language_changed(scope, user_id, language, at)
        await session.commit()


class TestDefaultLanguage:
    async def test_a_request_without_a_language_is_in_the_owners(self, seller) -> None:
        await owned_by(seller, "fr")
        asked = await seller.ask(image_ids=seller.photos(1))
        assert asked["language"] == "fr"

    async def test_a_language_named_by_the_request_wins(self, seller) -> None:
        await owned_by(seller, "fr")
        asked = await seller.ask(image_ids=seller.photos(1), language="de")
        assert asked["language"] == "de"

    async def test_without_an_owners_choice_it_is_english(self, seller) -> None:
        asked = await seller.ask(image_ids=seller.photos(1))
        assert asked["language"] == "en"

    async def test_a_member_who_does_not_own_the_account_changes_nothing(self, seller) -> None:
        await owned_by(seller, "it")
        staff = uuid.uuid4()
        await seller.play(MemberAdded(tenant_id=seller.tenant_id, user_id=staff, role="member"))
        await seller.play(UserLanguageChanged(tenant_id=seller.tenant_id, user_id=staff, language="es"))

        async def known() -> bool:
            return await language_of(seller, staff) == "es"

        await seller.eventually(known)
        assert (await seller.ask(image_ids=seller.photos(1)))["language"] == "it"


class TestLanguageEvents:
    async def test_a_later_choice_wins_and_a_late_or_replayed_one_changes_nothing(self, seller) -> None:
        owner = await owned_by(seller, "fr")
        now = datetime.now(UTC) + timedelta(minutes=1)  # after the played event's own time
        await choose(seller, owner, "es", now)
        assert await language_of(seller, owner) == "es"
        await choose(seller, owner, "de", now - timedelta(seconds=30))  # chosen earlier, arriving late
        await choose(seller, owner, "es", now)  # the same event again
        assert await language_of(seller, owner) == "es"
        assert (await seller.ask(image_ids=seller.photos(1)))["language"] == "es"

    async def test_a_language_drafts_are_not_written_in_is_not_kept(self, seller) -> None:
        owner = await owned_by(seller, "fr")
        await choose(seller, owner, "pt", datetime.now(UTC) + timedelta(minutes=1))
        assert await language_of(seller, owner) == "fr"
