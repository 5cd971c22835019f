from __future__ import annotations

import uuid
from typing import Any

from notification_service.mail.links import Unsubscribe
from vitrine_contracts.catalog import OversellDetected
from vitrine_contracts.identity import MemberAdded
from vitrine_kit.testing.helpers import eventually


def oversell() -> OversellDetected:
    return OversellDetected(product_id=uuid.uuid4(), alert_id=uuid.uuid4(), first_order={}, second_order={})


class TestUnsubscribe:
    async def test_the_link_works_without_logging_in(self, app: Any) -> None:
        seller = await app.seller().register()
        other = f"co-{uuid.uuid4().hex[:6]}@example.com"
        await seller.play(
            MemberAdded(tenant_id=seller.tenant_id, user_id=uuid.uuid4(), role="owner", email=other),
            oversell(),
        )
        await eventually(lambda: app.sink.to(seller.email) and app.sink.to(other))
        link = app.sink.to(seller.email)[0]["List-Unsubscribe"].strip("<>")
        token = link.split("token=")[1]

        page = await app.client.get("/unsubscribe", params={"token": token})  # no Authorization header
        assert page.status_code == 200
        assert "Stop e-mails about items sold twice?" in page.text
        assert 'method="post"' in page.text
        done = await app.client.post("/unsubscribe", params={"token": token})
        assert done.status_code == 200
        assert "You will no longer receive e-mails about items sold twice." in done.text
        again = await app.client.post(
            "/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"}
        )
        assert again.status_code == 200  # a second click (or a mail client's one-click POST) changes nothing

        await seller.play(oversell())
        await eventually(lambda: len(app.sink.to(other)) == 2)
        assert len(app.sink.to(seller.email)) == 1  # the other owner still gets them

    async def test_a_forged_link_is_refused(self, app: Any) -> None:
        seller = await app.seller().register()
        links = app.context.links
        genuine = links.token(Unsubscribe(seller.tenant_id, seller.user_id, "oversell.detected"))
        other = links.token(Unsubscribe(uuid.uuid4(), seller.user_id, "oversell.detected"))
        forged = f"{other.split('.')[0]}.{genuine.split('.')[1]}"
        for token in (forged, genuine[:-2] + "xx", "not-a-token-at-all-really"):
            for method in ("GET", "POST"):
                response = await app.client.request(method, "/unsubscribe", params={"token": token})
                assert response.status_code == 400, (method, token)
                assert response.json()["type"].endswith("/invalid-unsubscribe-link")

    async def test_a_link_of_an_account_that_is_not_here_is_not_found(self, app: Any) -> None:
        token = app.context.links.token(Unsubscribe(uuid.uuid4(), uuid.uuid4(), "oversell.detected"))
        response = await app.client.post("/unsubscribe", params={"token": token})
        assert response.status_code == 404
