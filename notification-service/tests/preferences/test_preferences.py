from __future__ import annotations

from typing import Any

import pytest

URGENT = {"oversell.detected", "publication.delist_failed", "account.session_expired", "payment.failed"}


class TestRead:
    async def test_defaults_mail_urgent_kinds_at_once_and_nothing_else(self, app: Any) -> None:
        seller = app.seller()
        response = await app.client.get("/preferences", headers=seller.headers)
        assert response.status_code == 200, response.text
        prefs = response.json()
        assert (prefs["digest_hour"], prefs["timezone"]) == (8, "UTC")
        assert "publication.started" not in prefs["kinds"]
        assert "import.progress" not in prefs["kinds"]
        on = {k for k, v in prefs["kinds"].items() if v["email"]}
        assert on == URGENT
        assert {v["delivery"] for k, v in prefs["kinds"].items() if k in URGENT} == {"immediate"}


class TestChange:
    async def test_kinds_given_change_and_the_others_keep_theirs(self, app: Any) -> None:
        seller = app.seller()
        change = {
            "kinds": {
                "product.sold": {"email": True, "delivery": "immediate"},
                "payment.failed": {"email": False, "delivery": "immediate"},
            },
            "digest_hour": 18,
            "timezone": "Europe/Paris",
        }
        response = await app.client.put("/preferences", json=change, headers=seller.headers)
        assert response.status_code == 200, response.text
        again = (await app.client.get("/preferences", headers=seller.headers)).json()
        assert again == response.json()
        assert again["kinds"]["product.sold"] == {"email": True, "delivery": "immediate"}
        assert again["kinds"]["payment.failed"]["email"] is False
        assert again["kinds"]["oversell.detected"] == {"email": True, "delivery": "immediate"}
        assert (again["digest_hour"], again["timezone"]) == (18, "Europe/Paris")
        hour_only = await app.client.put("/preferences", json={"digest_hour": 7}, headers=seller.headers)
        assert (hour_only.json()["digest_hour"], hour_only.json()["timezone"]) == (7, "Europe/Paris")

    async def test_each_seller_has_their_own(self, app: Any) -> None:
        ana, bob = app.seller(), app.seller()
        off = {"kinds": {"oversell.detected": {"email": False, "delivery": "digest"}}}
        assert (await app.client.put("/preferences", json=off, headers=ana.headers)).status_code == 200
        bobs = (await app.client.get("/preferences", headers=bob.headers)).json()
        assert bobs["kinds"]["oversell.detected"]["email"] is True

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"kinds": {"no.such.kind": {"email": True, "delivery": "digest"}}}, "kinds.no.such.kind.[key]"),
            ({"kinds": {"publication.started": {"email": True, "delivery": "digest"}}}, "kinds"),
            (
                {"kinds": {"product.sold": {"email": True, "delivery": "weekly"}}},
                "kinds.product.sold.delivery",
            ),
            (
                {"kinds": {"product.sold": {"email": "maybe", "delivery": "digest"}}},
                "kinds.product.sold.email",
            ),
            ({"kinds": {"product.sold": {"email": True}}}, "kinds.product.sold.delivery"),
            (
                {"kinds": {"product.sold": {"email": True, "delivery": "digest", "sms": True}}},
                "kinds.product.sold.sms",
            ),
            ({"digest_hour": 24}, "digest_hour"),
            ({"digest_hour": -1}, "digest_hour"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"colour": "red"}, "colour"),
        ],
    )
    async def test_invalid_changes_name_the_field(self, app: Any, body: dict[str, Any], field: str) -> None:
        seller = app.seller()
        response = await app.client.put("/preferences", json=body, headers=seller.headers)
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]], response.json()

    async def test_a_viewer_reads_but_does_not_change(self, app: Any) -> None:
        seller = app.seller()
        viewer = seller.token_headers(roles=("viewer",))
        assert (await app.client.get("/preferences", headers=viewer)).status_code == 200
        response = await app.client.put("/preferences", json={"digest_hour": 9}, headers=viewer)
        assert response.status_code == 403

    async def test_no_token_no_preferences(self, app: Any) -> None:
        assert (await app.client.get("/preferences")).status_code == 401
