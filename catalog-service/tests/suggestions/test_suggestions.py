from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from vitrine_contracts.ai import (
    AnalysisCompleted,
    ColoursGuess,
    ConditionGuess,
    FlawKind,
    FlawSeen,
    FlawSeverity,
    Guess,
    ItemAttributes,
    ListingDraft,
    MaterialsGuess,
    MaterialShareGuess,
    PriceSuggestion,
    SizeGuess,
)
from vitrine_contracts.common import Marketplace


def analysis(product_id: str | None, **attributes: Any) -> AnalysisCompleted:
    """What ai-service sends for a pair of Levi's jeans; ``attributes`` override the guesses."""
    guesses: dict[str, Any] = {
        "category": Guess(reference_id="jeans", text="Jeans", matched=True, confidence=0.92),
        "brand": Guess(reference_id="levi-s", text="Levi's", matched=True, confidence=0.88),
        "size": SizeGuess(
            reference_id="waist:W32", text="W32", matched=True, confidence=0.95, system="waist", value="W32"
        ),
        "colours": ColoursGuess(reference_ids=["blue"], confidence=0.9),
        "materials": MaterialsGuess(
            items=[
                MaterialShareGuess(reference_id="cotton", percent=99),
                MaterialShareGuess(reference_id="elastane", percent=1),
            ],
            confidence=0.97,
        ),
        "condition": ConditionGuess(score=8, reference_id="very_good", confidence=0.7),
        "gender": Guess(reference_id="men", text="Men", matched=True, confidence=0.8),
        "fit": Guess(reference_id="straight", text="Straight", matched=True, confidence=0.6),
        # Read on the label but unknown to catalog: never suggested.
        "origin": Guess(text="Atlantis", matched=False, confidence=0.5),
    }
    guesses.update(attributes)
    draft = "Levi's 501 jeans W32 blue"
    return AnalysisCompleted(
        analysis_id=uuid.uuid4(),
        product_id=uuid.UUID(product_id) if product_id else None,
        image_ids=[uuid.uuid4()],
        language="en",
        attributes=ItemAttributes(**guesses),
        flaws=[FlawSeen(kind=FlawKind.STAIN, location="left cuff", severity=FlawSeverity.MINOR)],
        drafts={
            Marketplace.EBAY: ListingDraft(
                title=draft, description="Straight 501.", written_by="gpt-4o-mini"
            ),
            Marketplace.ETSY: ListingDraft(
                title=f"{draft} vintage straight leg denim",
                description="Straight 501, barely worn.",
                tags=["levis", "jeans"],
                written_by="gpt-4o-mini",
            ),
            Marketplace.VINTED: ListingDraft(
                title=f"{draft} straight", description="Straight 501 jeans.", written_by="gpt-4o-mini"
            ),
        },
        price=PriceSuggestion(
            amount=Decimal("32.00"),
            low=Decimal("25.00"),
            high=Decimal("40.00"),
            currency="EUR",
            reason="jeans base 30 x brand tier 1.2 x condition 0.9",
        ),
    )


async def draft_product(seller: Any) -> dict[str, Any]:
    """A draft with photos and a title only, as after an upload."""
    return await seller.create(
        title="Jeans",
        images=[{"media_id": str(uuid.uuid4())}, {"media_id": str(uuid.uuid4()), "is_label": True}],
    )


async def suggestions(seller: Any, product_id: str) -> dict[str, Any]:
    response = await seller.get(f"/products/{product_id}/suggestions")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def analysed(seller: Any, event: AnalysisCompleted) -> dict[str, Any]:
    """Play ``event`` and wait until catalog shows its suggestions."""
    await seller.play(event)
    product_id = str(event.product_id)

    async def taken() -> dict[str, Any] | None:
        found = await suggestions(seller, product_id)
        return found if found["analysis_id"] == str(event.analysis_id) else None

    return dict(await seller.eventually(taken))


def by_field(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["field"]: s for s in found["suggestions"]}


class TestConsume:
    async def test_each_field_is_stored_with_its_confidence_and_analysis(self, seller) -> None:
        product = await draft_product(seller)
        event = analysis(product["id"])
        found = by_field(await analysed(seller, event))

        assert list(found) == [
            "category",
            "brand",
            "size",
            "colours",
            "materials",
            "condition",
            "gender",
            "attributes.fit",
            "flaws",
            "title",
            "description",
            "price",
        ]
        assert (found["brand"]["value"], found["brand"]["confidence"]) == ("levi-s", 0.88)
        assert found["size"]["value"] == {"size_system": "waist", "size": "W32"}
        assert found["materials"]["value"] == [
            {"material": "cotton", "percent": 99},
            {"material": "elastane", "percent": 1},
        ]
        assert found["flaws"]["value"] == ["stain, left cuff (minor)"]
        # The shortest drafts, so they fit every marketplace; written, not seen: no confidence.
        assert (found["title"]["value"], found["title"]["confidence"]) == ("Levi's 501 jeans W32 blue", None)
        assert found["description"]["value"] == "Straight 501."
        assert found["price"]["value"] == {"price": "32.00", "currency": "EUR"}
        assert {s["analysis_id"] for s in found.values()} == {str(event.analysis_id)}

    async def test_a_replayed_analysis_changes_nothing(self, seller) -> None:
        product = await draft_product(seller)
        event = analysis(product["id"])
        await analysed(seller, event)
        dismissed = await seller.post(
            f"/products/{product['id']}/suggestions/dismiss", json={"fields": ["brand"]}
        )
        assert dismissed.status_code == 200, dismissed.text

        await seller.play(event)  # a new message with the same analysis
        marker = analysis(str((await draft_product(seller))["id"]))
        await analysed(seller, marker)  # delivered after the replay
        assert "brand" not in by_field(await suggestions(seller, product["id"]))

    async def test_a_newer_analysis_replaces_the_pending_suggestions(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        newer = analysis(
            product["id"], brand=Guess(text="Unknown Co", matched=False, confidence=0.4), fit=None
        )
        found = await analysed(seller, newer)

        assert {s["analysis_id"] for s in found["suggestions"]} == {str(newer.analysis_id)}
        assert "brand" not in by_field(found)
        assert "attributes.fit" not in by_field(found)

    async def test_an_analysis_for_an_unknown_or_deleted_product_is_skipped(self, app, seller) -> None:
        deleted = await draft_product(seller)
        gone = await seller.delete(f"/products/{deleted['id']}")
        assert gone.status_code == 204, gone.text
        await seller.play(analysis(str(uuid.uuid4())))
        await seller.play(analysis(deleted["id"]))
        await seller.play(analysis(None))
        await analysed(seller, analysis((await draft_product(seller))["id"]))

        assert (await suggestions(seller, deleted["id"]))["suggestions"] == []
        metrics = (await app.client.get("/metrics")).text
        handled = [line for line in metrics.splitlines() if 'event_type="ai.analysis.completed"' in line]
        assert handled
        assert not [line for line in handled if "retried" in line or "dead-lettered" in line]


class TestList:
    async def test_suggestions_show_the_current_value_beside_them(self, seller) -> None:
        product = await seller.create(**seller.sample(brand="diesel", attributes={"fit": "slim"}))
        found = await analysed(seller, analysis(product["id"]))
        shown = by_field(found)

        assert (shown["brand"]["value"], shown["brand"]["current"]) == ("levi-s", "diesel")
        assert shown["attributes.fit"]["current"] == "slim"
        assert shown["size"]["current"] == {"size_system": "waist", "size": "W32"}
        assert shown["price"]["current"] == {"price": "35.00", "currency": "EUR"}
        assert set(found["drafts"]) == {"ebay", "etsy", "vinted"}
        assert found["drafts"]["etsy"]["tags"] == ["levis", "jeans"]
        assert found["flaws"] == [
            {"kind": "stain", "location": "left cuff", "severity": "minor", "image_id": None}
        ]
        assert (found["price"]["amount"], found["language"]) == ("32.00", "en")

    async def test_a_product_never_analysed_has_none(self, seller) -> None:
        product = await draft_product(seller)
        found = await suggestions(seller, product["id"])
        assert (found["analysis_id"], found["suggestions"], found["drafts"]) == (None, [], {})


class TestAccept:
    async def test_all_suggestions_make_the_product_ready(self, seller) -> None:
        product = await draft_product(seller)
        event = analysis(product["id"])
        await analysed(seller, event)
        accepted = await seller.post(f"/products/{product['id']}/suggestions/accept", json={"all": True})
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()

        assert body["remaining"] == []
        assert len(body["fields"]) == 12
        fresh = body["product"]
        assert accepted.headers["ETag"] == f'"{fresh["version"]}"'
        assert fresh["version"] == product["version"] + 1
        assert (fresh["brand"], fresh["size_system"], fresh["size"]) == ("levi-s", "waist", "W32")
        assert (fresh["attributes"], fresh["price"], fresh["title"]) == (
            {"fit": "straight"},
            "32.00",
            "Levi's 501 jeans W32 blue",
        )
        assert fresh["flaws"] == ["stain, left cuff (minor)"]
        ready = await seller.post(f"/products/{product['id']}/status", json={"status": "ready"})
        assert ready.status_code == 200, ready.text
        assert (await suggestions(seller, product["id"]))["suggestions"] == []

    async def test_some_are_applied_and_the_others_stay_pending(self, seller) -> None:
        product = await seller.create(**seller.sample(attributes={"rise": "mid"}))
        await analysed(seller, analysis(product["id"], brand=Guess(reference_id="diesel", confidence=0.6)))
        accepted = await seller.post(
            f"/products/{product['id']}/suggestions/accept", json={"fields": ["brand", "attributes.fit"]}
        )
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()

        assert body["fields"] == ["brand", "attributes.fit"]
        assert (body["product"]["brand"], body["product"]["attributes"]) == (
            "diesel",
            {"fit": "straight", "rise": "mid"},
        )
        assert body["product"]["title"] == product["title"]
        assert "brand" not in {s["field"] for s in body["remaining"]}
        assert "title" in {s["field"] for s in body["remaining"]}

    async def test_none_changes_nothing(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        accepted = await seller.post(f"/products/{product['id']}/suggestions/accept", json={"fields": []})
        assert accepted.status_code == 200, accepted.text
        assert (accepted.json()["fields"], accepted.json()["product"]["version"]) == ([], product["version"])
        assert len(accepted.json()["remaining"]) == 12

    async def test_an_unknown_field_is_named(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        refused = await seller.post(
            f"/products/{product['id']}/suggestions/accept",
            json={"fields": ["brand", "colour", "attributes.hue"]},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("unknown-suggestion-field")
        assert [e["field"] for e in refused.json()["errors"]] == ["colour", "attributes.hue"]
        assert (await seller.product(product["id"]))["brand"] is None

    async def test_a_field_with_nothing_pending_is_named(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"], fit=None))
        refused = await seller.post(
            f"/products/{product['id']}/suggestions/accept", json={"fields": ["attributes.fit"]}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("no-pending-suggestion")

    async def test_a_value_that_no_longer_passes_is_named_and_nothing_is_applied(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(
            seller, analysis(product["id"], category=Guess(reference_id="bottoms", confidence=0.5))
        )
        refused = await seller.post(
            f"/products/{product['id']}/suggestions/accept", json={"fields": ["brand", "category", "colours"]}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("suggestion-invalid")
        assert [e["field"] for e in refused.json()["errors"]] == ["category"]
        fresh = await seller.product(product["id"])
        assert (fresh["brand"], fresh["colours"], fresh["version"]) == (None, [], product["version"])
        assert "brand" in by_field(await suggestions(seller, product["id"]))

    async def test_a_size_that_does_not_fit_the_category_is_named_as_the_size(self, seller) -> None:
        product = await seller.create(**seller.sample(category="t-shirts", size_system="letter", size="M"))
        await analysed(seller, analysis(product["id"]))
        refused = await seller.post(
            f"/products/{product['id']}/suggestions/accept", json={"fields": ["size"]}
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["size"]

    async def test_an_accepted_value_reaches_the_live_listings_as_an_edit_would(self, seller) -> None:
        product = await seller.listed("ebay")
        await analysed(seller, analysis(product["id"], brand=Guess(reference_id="diesel", confidence=0.6)))
        accepted = await seller.post(
            f"/products/{product['id']}/suggestions/accept", json={"fields": ["brand"]}
        )
        assert accepted.status_code == 200, accepted.text

        async def revised() -> list[dict[str, Any]]:
            sent = await seller.emitted("publication.requested")
            return [e for e in sent if e["action"] == "revise"]

        [revise] = await seller.eventually(revised)
        assert revise["snapshot"]["brand"] == "Diesel"

    async def test_either_fields_or_all(self, seller) -> None:
        product = await draft_product(seller)
        for body in ({}, {"all": False}, {"all": True, "fields": ["brand"]}):
            refused = await seller.post(f"/products/{product['id']}/suggestions/accept", json=body)
            assert refused.status_code == 422, (body, refused.text)


class TestDismiss:
    async def test_dismissed_suggestions_go_and_the_product_stays(self, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        dismissed = await seller.post(
            f"/products/{product['id']}/suggestions/dismiss", json={"fields": ["price", "title"]}
        )
        assert dismissed.status_code == 200, dismissed.text
        assert dismissed.json()["product"]["version"] == product["version"]
        assert {"price", "title"}.isdisjoint(by_field(await suggestions(seller, product["id"])))

        everything = await seller.post(f"/products/{product['id']}/suggestions/dismiss", json={"all": True})
        assert everything.status_code == 200, everything.text
        assert (await suggestions(seller, product["id"]))["suggestions"] == []


class TestProvenance:
    async def test_accepted_fields_are_the_ai_s_until_the_seller_edits_them(self, seller) -> None:
        product = await seller.create(title="Jeans", price="10.00")
        assert {k: v["source"] for k, v in product["field_sources"].items()} == {
            "title": "seller",
            "price": "seller",
        }
        event = analysis(product["id"])
        await analysed(seller, event)
        accepted = await seller.post(
            f"/products/{product['id']}/suggestions/accept",
            json={"fields": ["brand", "size", "attributes.fit", "title"]},
        )
        assert accepted.status_code == 200, accepted.text
        sources = accepted.json()["product"]["field_sources"]
        assert sources["brand"]["source"] == "ai"
        assert (sources["brand"]["analysis_id"], sources["brand"]["confidence"]) == (
            str(event.analysis_id),
            0.88,
        )
        assert {sources[k]["source"] for k in ("size", "size_system", "attributes.fit", "title")} == {"ai"}
        assert sources["title"]["confidence"] is None

        edited = await seller.patch(
            f"/products/{product['id']}",
            json={
                "brand": "diesel",
                "title": "Levi's 501 jeans W32 blue",
                "attributes": {"fit": "straight", "rise": "mid"},
            },
        )
        assert edited.status_code == 200, edited.text
        sources = edited.json()["field_sources"]
        assert (sources["brand"]["source"], sources["brand"]["analysis_id"]) == ("seller", None)
        assert sources["attributes.rise"]["source"] == "seller"
        # Sent unchanged: still the AI's.
        assert (sources["title"]["source"], sources["attributes.fit"]["source"]) == ("ai", "ai")
        assert (await seller.product(product["id"]))["field_sources"] == sources


class TestAccess:
    async def test_another_tenant_neither_sees_nor_decides(self, app, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        other = app.seller()
        for method, path, body in (
            ("GET", "", None),
            ("POST", "/accept", {"all": True}),
            ("POST", "/dismiss", {"all": True}),
        ):
            response = await other.request(method, f"/products/{product['id']}/suggestions{path}", json=body)
            assert response.status_code == 404, response.text
        assert len((await suggestions(seller, product["id"]))["suggestions"]) == 12

    async def test_a_viewer_reads_but_cannot_accept(self, app, seller) -> None:
        product = await draft_product(seller)
        await analysed(seller, analysis(product["id"]))
        viewer = {"Authorization": f"Bearer {app.keys.issue(tenant_id=seller.tenant_id, roles=('viewer',))}"}
        member = {"Authorization": f"Bearer {app.keys.issue(tenant_id=seller.tenant_id, roles=('member',))}"}
        url = f"/products/{product['id']}/suggestions"

        assert (await seller.get(url, headers=viewer)).status_code == 200
        refused = await seller.post(f"{url}/accept", json={"all": True}, headers=viewer)
        assert refused.status_code == 403, refused.text
        accepted = await seller.post(f"{url}/accept", json={"fields": ["brand"]}, headers=member)
        assert accepted.status_code == 200, accepted.text
