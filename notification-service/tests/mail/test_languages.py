"""Mails in the recipient's language (``user.language_changed``): subjects, bodies, digests and the
unsubscribe page; English when nothing (or an unknown language) was said; a later choice wins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from notification_service.models import Recipient
from vitrine_contracts.catalog import OversellDetected
from vitrine_contracts.identity import MemberAdded, UserLanguageChanged
from vitrine_kit.testing.helpers import eventually


def oversell() -> OversellDetected:
    return OversellDetected(product_id=uuid.uuid4(), alert_id=uuid.uuid4(), first_order={}, second_order={})


def chose(seller: Any, language: str, user_id: uuid.UUID | None = None) -> UserLanguageChanged:
    return UserLanguageChanged(
        tenant_id=seller.tenant_id, user_id=user_id or seller.user_id, language=language
    )


async def language_of(app: Any, seller: Any, user_id: uuid.UUID) -> str | None:
    async with app.runtime.db.tenant_session(seller.tenant_id) as session:
        return await session.scalar(sa.select(Recipient.language).where(Recipient.user_id == user_id))


async def sent_to(app: Any, address: str, count: int) -> list[Any]:
    return list(await eventually(lambda: len(app.sink.to(address)) >= count and app.sink.to(address)))


class TestMailLanguage:
    async def test_a_french_sellers_oversell_mail_is_in_french(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(chose(seller, "fr"))
        await eventually(lambda: _is(app, seller, seller.user_id, "fr"))
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        assert mail["Subject"] == "Action requise : un article vendu deux fois"
        assert mail["Content-Language"] == "fr"
        body = mail.get_content()
        assert "Vendu deux fois : un article. Deux acheteurs pour un seul article" in body
        assert "Ouvrir Vitrine : http://localhost:5173" in body
        assert "Ne plus recevoir d'e-mails sur les articles vendus deux fois : http://gateway.test/" in body
        assert "sold twice" not in body

    async def test_each_owner_reads_their_own_language(self, app: Any) -> None:
        seller = await app.seller().register()
        german, spanish = uuid.uuid4(), uuid.uuid4()
        addresses = {
            u: f"{n}-{uuid.uuid4().hex[:6]}@example.com" for u, n in ((german, "de"), (spanish, "es"))
        }
        await seller.play(
            chose(seller, "de", german),  # before the member is known: kept for when they are
            MemberAdded(tenant_id=seller.tenant_id, user_id=german, role="owner", email=addresses[german]),
            MemberAdded(tenant_id=seller.tenant_id, user_id=spanish, role="owner", email=addresses[spanish]),
            chose(seller, "es", spanish),
        )
        await eventually(lambda: _is(app, seller, spanish, "es"))
        await seller.play(oversell())
        [de] = await sent_to(app, addresses[german], 1)
        [es] = await sent_to(app, addresses[spanish], 1)
        [en] = await sent_to(app, seller.email, 1)
        assert de["Subject"] == "Handlungsbedarf: ein Artikel wurde doppelt verkauft"
        assert es["Subject"] == "Acción necesaria: un artículo vendido dos veces"
        assert en["Subject"] == "Action needed: an item sold twice"

    async def test_an_unknown_language_falls_back_to_english(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(chose(seller, "fr"), chose(seller, "pt"))
        await eventually(lambda: _is(app, seller, seller.user_id, "en"))
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        assert mail["Subject"] == "Action needed: an item sold twice"
        assert "Sold twice: an item." in mail.get_content()


class TestLanguageEvents:
    async def test_a_replayed_event_changes_nothing(self, app: Any) -> None:
        seller = await app.seller().register()
        now = datetime.now(UTC)
        italian = seller.envelope(chose(seller, "it")).model_copy(update={"occurred_at": now})
        await app.publish(italian)
        await eventually(lambda: _is(app, seller, seller.user_id, "it"))
        later = seller.envelope(chose(seller, "de")).model_copy(
            update={"occurred_at": now + timedelta(seconds=1)}
        )
        await app.publish(later)
        await eventually(lambda: _is(app, seller, seller.user_id, "de"))
        await app.publish(italian)  # the broker delivers the older choice again
        marker = uuid.uuid4()
        await seller.play(chose(seller, "es", marker))  # handled after the replay
        await eventually(lambda: _is(app, seller, marker, "es"))
        assert await language_of(app, seller, seller.user_id) == "de"

    async def test_an_earlier_choice_arriving_late_does_not_win(self, app: Any) -> None:
        seller = await app.seller().register()
        now = datetime.now(UTC)
        newer = seller.envelope(chose(seller, "es")).model_copy(update={"occurred_at": now})
        older = seller.envelope(chose(seller, "fr")).model_copy(
            update={"occurred_at": now - timedelta(minutes=5)}
        )
        await app.publish(newer)
        await eventually(lambda: _is(app, seller, seller.user_id, "es"))
        await app.publish(older)
        marker = uuid.uuid4()
        await seller.play(chose(seller, "it", marker))
        await eventually(lambda: _is(app, seller, marker, "it"))
        assert await language_of(app, seller, seller.user_id) == "es"
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        assert mail["Subject"] == "Acción necesaria: un artículo vendido dos veces"


class TestDigestLanguage:
    async def test_the_digest_is_in_the_owners_language(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(chose(seller, "it"))
        await eventually(lambda: _is(app, seller, seller.user_id, "it"))
        prefs = {"kinds": {"oversell.detected": {"email": True, "delivery": "digest"}}}
        assert (await app.client.put("/preferences", json=prefs, headers=seller.headers)).status_code == 200
        await seller.play(oversell(), oversell())
        await seller.wait_items(2)
        await seller.make_due()
        [digest] = await sent_to(app, seller.email, 1)
        assert digest["Subject"] == "Il tuo riepilogo Vitrine: 2 novità"
        body = digest.get_content()
        assert body.count("• Venduto due volte: un articolo.") == 2
        assert "Per non ricevere più queste e-mail (riepilogo giornaliero): http://gateway.test/" in body


class TestUnsubscribePageLanguage:
    async def test_the_page_speaks_the_recipients_language(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(chose(seller, "de"))
        await eventually(lambda: _is(app, seller, seller.user_id, "de"))
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        token = mail["List-Unsubscribe"].strip("<>").split("token=")[1]
        page = await app.client.get("/unsubscribe", params={"token": token})
        assert page.status_code == 200
        assert '<html lang="de">' in page.text
        assert "Keine E-Mails mehr über doppelt verkaufte Artikel erhalten?" in page.text
        assert "<button>Abbestellen</button>" in page.text
        done = await app.client.post("/unsubscribe", params={"token": token})
        assert "Sie erhalten keine E-Mails mehr über doppelt verkaufte Artikel." in done.text


async def _is(app: Any, seller: Any, user_id: uuid.UUID, language: str) -> bool:
    if not await app.runtime.tenants.exists(seller.tenant_id):
        return False
    return await language_of(app, seller, user_id) == language
