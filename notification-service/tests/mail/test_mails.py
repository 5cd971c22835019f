"""Urgent items by e-mail: once per event and owner, retried on SMTP failures, held for the digest when the
seller prefers, never with a token in the logs."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from notification_service.models import Scheduled, Task
from vitrine_contracts.catalog import OversellDetected, PublicationDelistFailed
from vitrine_contracts.common import Marketplace
from vitrine_contracts.identity import MemberAdded, MemberRemoved, MemberRoleChanged
from vitrine_kit.testing.helpers import eventually


def oversell() -> OversellDetected:
    return OversellDetected(product_id=uuid.uuid4(), alert_id=uuid.uuid4(), first_order={}, second_order={})


def delist_failed(reason: str = "Vinted refused") -> PublicationDelistFailed:
    return PublicationDelistFailed(
        publication_id=uuid.uuid4(), product_id=uuid.uuid4(), marketplace=Marketplace.VINTED, reason=reason
    )


async def sent_to(app: Any, address: str, count: int) -> list[Any]:
    return list(await eventually(lambda: len(app.sink.to(address)) >= count and app.sink.to(address)))


class TestUrgentMail:
    async def test_an_urgent_item_is_mailed_once_to_the_owner(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        assert mail["Subject"] == "Action needed: an item sold twice"
        body = mail.get_content()
        assert "Sold twice: an item. Two buyers, one item: cancel one of the orders." in body
        assert "Open Vitrine: http://localhost:5173" in body
        link = mail["List-Unsubscribe"].strip("<>")
        assert link.startswith("http://gateway.test/api/notifications/unsubscribe?token=")
        assert link in body
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Auto-Submitted"] == "auto-generated"

    async def test_an_event_delivered_twice_is_mailed_once(self, app: Any) -> None:
        seller = await app.seller().register()
        envelope = seller.envelope(delist_failed())
        await app.publish(envelope)
        await app.publish(envelope)
        await seller.play(oversell())  # after both copies: once it is mailed, the duplicate had its chance
        mails = await sent_to(app, seller.email, 2)
        subjects = sorted(m["Subject"] for m in mails)
        assert subjects == [
            "Action needed: a listing could not be removed",
            "Action needed: an item sold twice",
        ]
        assert len(await app.mails(seller.tenant_id)) == 2

    async def test_items_that_are_not_urgent_are_not_mailed(self, app: Any) -> None:
        seller = await app.seller().register()
        await seller.play(
            PublicationDelistFailed(
                publication_id=uuid.uuid4(), product_id=uuid.uuid4(), marketplace=Marketplace.EBAY, reason="x"
            ).model_copy(),
        )
        await seller.wait_items(1)
        from vitrine_contracts.billing import CreditsLow

        await seller.play(CreditsLow(balance=1, monthly_allowance=10))
        await seller.wait_items(2)
        await sent_to(app, seller.email, 1)
        assert [m.topic for m in await app.mails(seller.tenant_id)] == ["publication.delist_failed"]

    async def test_owners_are_mailed_members_are_not(self, app: Any) -> None:
        seller = await app.seller().register()
        other_owner, staff, promoted = (
            f"{n}-{uuid.uuid4().hex[:6]}@example.com" for n in ("co", "staff", "promoted")
        )
        promoted_id = uuid.uuid4()
        await seller.play(
            MemberAdded(tenant_id=seller.tenant_id, user_id=uuid.uuid4(), role="owner", email=other_owner),
            MemberAdded(tenant_id=seller.tenant_id, user_id=uuid.uuid4(), role="member", email=staff),
            MemberAdded(tenant_id=seller.tenant_id, user_id=promoted_id, role="admin", email=promoted),
            MemberRoleChanged(tenant_id=seller.tenant_id, user_id=promoted_id, role="owner"),
            oversell(),
        )
        await sent_to(app, seller.email, 1)
        await sent_to(app, other_owner, 1)
        await sent_to(app, promoted, 1)
        assert app.sink.to(staff) == []

    async def test_a_removed_member_is_no_longer_mailed(self, app: Any) -> None:
        seller = await app.seller().register()
        leaving = uuid.uuid4()
        address = f"leaving-{uuid.uuid4().hex[:6]}@example.com"
        await seller.play(
            MemberAdded(tenant_id=seller.tenant_id, user_id=leaving, role="owner", email=address),
            MemberRemoved(tenant_id=seller.tenant_id, user_id=leaving),
            oversell(),
        )
        await sent_to(app, seller.email, 1)
        assert app.sink.to(address) == []

    async def test_the_registration_can_come_after_the_first_event(self, app: Any) -> None:
        seller = app.seller()
        await seller.play(oversell())
        await seller.wait_items(1)
        await seller.register()
        await seller.play(oversell())
        await sent_to(app, seller.email, 1)
        assert len(await app.mails(seller.tenant_id)) == 1  # nobody to write to for the first one


class TestSmtpFailures:
    async def test_a_temporary_failure_is_retried_and_the_mail_sent_once(self, app: Any) -> None:
        seller = await app.seller().register()
        app.sink.failures.extend(["451 try again later"])
        await seller.play(oversell())
        await sent_to(app, seller.email, 1)
        [mail] = await app.mails(seller.tenant_id)
        assert (mail.status, mail.attempts, mail.last_error) == ("sent", 2, None)

    async def test_a_permanent_refusal_is_not_retried(self, app: Any) -> None:
        seller = await app.seller().register()
        app.sink.failures.extend(["550 no such mailbox"])
        await seller.play(oversell())

        async def failed() -> Any:
            mails = await app.mails(seller.tenant_id)
            return mails and mails[0].status == "failed" and mails[0]

        mail = await eventually(failed)
        assert (mail.attempts, mail.last_error) == (1, "SMTPDataError 550")
        assert app.sink.to(seller.email) == []

    async def test_the_attempts_are_bounded(self, app: Any) -> None:
        seller = await app.seller().register()
        app.sink.failures.extend(["451 busy"] * 3)  # mail_max_attempts is 3 in these tests
        await seller.play(oversell())

        async def given_up() -> Any:
            mails = await app.mails(seller.tenant_id)
            return mails and mails[0].status == "failed" and mails[0]

        mail = await eventually(given_up, timeout=10)
        assert mail.attempts == 3
        assert app.sink.to(seller.email) == []

    async def test_no_link_token_in_the_logs(self, app: Any, caplog: pytest.LogCaptureFixture) -> None:
        seller = await app.seller().register()
        caplog.set_level(logging.DEBUG)
        app.sink.failures.extend(["451 busy"])
        await seller.play(oversell())
        [mail] = await sent_to(app, seller.email, 1)
        token = mail["List-Unsubscribe"].strip("<>").split("token=")[1]
        await app.client.get("/unsubscribe", params={"token": token})
        await app.client.post("/unsubscribe", params={"token": token})
        # The service's records only: the test's own HTTP client (a browser, here) logs the URLs it opens.
        records = [r for r in caplog.records if not r.name.startswith("httpx")]
        logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
        assert "mail sent" in logged
        assert token not in logged
        assert token.split(".")[1] not in logged
        assert seller.email not in logged


class TestDigest:
    async def test_a_kind_set_to_the_digest_is_held_then_sent_once_a_day(self, app: Any) -> None:
        seller = await app.seller().register()
        prefs = {"kinds": {"oversell.detected": {"email": True, "delivery": "digest"}}}
        assert (await app.client.put("/preferences", json=prefs, headers=seller.headers)).status_code == 200
        await seller.play(oversell(), oversell())
        await seller.wait_items(2)
        async with app.runtime.db.session() as session:
            due = await session.scalar(
                sa.select(Scheduled.due_at).where(
                    Scheduled.tenant_id == seller.tenant_id, Scheduled.task == Task.DIGEST
                )
            )
        assert due is not None
        assert (due.hour, due.minute) == (8, 0)  # the default digest hour, UTC
        assert await app.mails(seller.tenant_id) == []  # held

        await seller.make_due()
        [digest] = await sent_to(app, seller.email, 1)
        assert digest["Subject"] == "Your Vitrine digest: 2 updates"
        assert digest.get_content().count("• Sold twice: an item.") == 2
        assert "Stop e-mails about the daily digest" in digest.get_content()

        await seller.play(oversell())  # after today's digest: waits for tomorrow's
        await seller.wait_items(3)
        await seller.make_due()
        await eventually(lambda: _no_digest_due_now(app, seller.tenant_id))
        assert len(app.sink.to(seller.email)) == 1
        assert [m.dedup_key.split(":")[0] for m in await app.mails(seller.tenant_id)] == ["digest"]


async def _no_digest_due_now(app: Any, tenant_id: uuid.UUID) -> bool:
    from datetime import UTC, datetime

    async with app.runtime.db.session() as session:
        due = await session.scalar(
            sa.select(Scheduled.due_at).where(Scheduled.tenant_id == tenant_id, Scheduled.task == Task.DIGEST)
        )
    return due is not None and due > datetime.now(UTC)
