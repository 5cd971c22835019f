"""AI through the gateway: two photos uploaded to media → an analysis (the AI stand-in reads them) with a
confidence per attribute and drafts per marketplace → its price taken from the seller's credits at billing →
the same request again answered from the cache for nothing → with no credits left, 402. And a product's
photos with its label → an analysis of the product → its suggestions in catalog with their confidences →
accepted → the product passes the publish checks, its titles within each marketplace's limits."""

from __future__ import annotations

import io
import json
import time
from decimal import Decimal
from typing import Any

import httpx
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 1200), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def hints(**values: Any) -> str:
    """Seller's notes that make the AI stand-in answer ``values`` for the properties of those names."""
    return "SANDBOX_HINTS: " + json.dumps(values)


# What the label and the garment show, as the AI stand-in is told to read them.
JEANS = hints(
    category="jeans",
    category_confidence=0.93,
    brand="Levi's",
    brand_confidence=0.91,
    size="waist:W32",
    size_label="W32",
    size_confidence=0.96,
    gender="men",
    gender_confidence=0.82,
    condition_score=8,
    condition_score_confidence=0.7,
)


class Seller:
    def __init__(self, api: httpx.Client, auth: dict[str, str]) -> None:
        self.api, self.auth = api, auth

    def get(self, path: str) -> Any:
        response = self.api.get(path, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def photos(self, *colours: tuple[int, int, int]) -> list[str]:
        files = [("files", (f"{i}.jpg", photo(c), "image/jpeg")) for i, c in enumerate(colours)]
        uploaded = self.api.post("/api/media/images", files=files, headers=self.auth)
        assert uploaded.status_code == 201, uploaded.text
        return [str(r["image"]["id"]) for r in uploaded.json()["results"]]

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.api.post(path, json=body, headers=self.auth)

    def analyse(self, image_ids: list[str], **more: Any) -> httpx.Response:
        return self.post("/api/ai/analyses", {"image_ids": image_ids, **more})

    def finished(self, analysis_id: str) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            found = self.get(f"/api/ai/analyses/{analysis_id}")
            # Done once the credits are settled too (committed after the result is written).
            settled = found["credits_state"] != "held"
            return found if found["status"] in {"completed", "failed"} and settled else None

        found: dict[str, Any] = eventually(done, timeout=60, interval=0.3)
        assert found["status"] == "completed", found["error"]
        return found

    def credits(self) -> int:
        return int(self.get("/api/billing/credits")["total"])


class TestAiFlow:
    def test_analysis_spends_credits_once_then_the_cache_answers_then_402(
        self, api: httpx.Client, seller_auth: dict[str, str]
    ) -> None:
        seller = Seller(api, seller_auth)
        start = eventually(lambda: seller.credits(), timeout=20)  # the free plan's monthly credits
        image_ids = seller.photos((25, 45, 150), (240, 240, 240))

        started = time.monotonic()
        asked = seller.analyse(image_ids)
        assert asked.status_code == 202, asked.text
        analysis = seller.finished(asked.json()["id"])
        print(f"\nanalysis of two photos: {time.monotonic() - started:.1f} s")
        price = analysis["credits"]
        assert price > 0
        assert (analysis["cached"], analysis["credits_state"]) == (False, "committed")
        assert {u["step"] for u in analysis["usage"]} >= {"drafts"}
        result = analysis["result"]
        for name in ("category", "brand", "size", "colours", "materials", "condition", "gender"):
            assert 0 <= result["attributes"][name]["confidence"] <= 1, name
        assert result["attributes"]["category"]["reference_id"]
        assert set(result["drafts"]) == {"ebay", "etsy", "vinted"}
        assert all(d["title"] and d["description"] for d in result["drafts"].values())
        assert len(result["drafts"]["ebay"]["title"]) <= 80
        assert eventually(lambda: seller.credits() == start - price, timeout=10)

        # The same photos again: answered at once from the cache, nothing spent.
        again = seller.analyse(image_ids)
        assert again.status_code == 200, again.text
        assert (again.json()["cached"], again.json()["credits"]) == (True, 0)
        assert again.json()["result"]["attributes"] == result["attributes"]
        assert seller.credits() == start - price

        # Other photos until the credits are too few for one more analysis, then 402.
        shade = 60
        while seller.credits() >= price:
            more = seller.analyse(seller.photos((shade, 20, 20), (20, shade, 20)))
            assert more.status_code == 202, more.text
            seller.finished(more.json()["id"])
            shade += 40
        refused = seller.analyse(seller.photos((10, 200, 200), (200, 10, 200)))
        assert refused.status_code == 402, refused.text
        problem = refused.json()
        assert problem["type"].endswith("credits-exhausted"), problem
        assert (problem["credits_needed"], problem["credits_left"]) == (price, seller.credits())

    def test_a_product_s_analysis_becomes_suggestions_the_seller_accepts(
        self, api: httpx.Client, seller_auth: dict[str, str]
    ) -> None:
        seller = Seller(api, seller_auth)
        start = eventually(lambda: seller.credits(), timeout=20)
        front, back, label = seller.photos((25, 45, 150), (30, 50, 140), (245, 245, 240))
        images = [{"media_id": front}, {"media_id": back}, {"media_id": label, "is_label": True}]
        created = seller.post("/api/catalog/products", {"images": images})
        assert created.status_code == 201, created.text
        product = created.json()["id"]
        products = f"/api/catalog/products/{product}"
        incomplete = seller.post(f"{products}/status", {"status": "ready"})
        assert incomplete.status_code == 422, incomplete.text

        request = {"product_id": product, "label_image_id": label, "notes": JEANS}
        asked = seller.analyse([front, back, label], **request)
        assert asked.status_code == 202, asked.text
        analysis = seller.finished(asked.json()["id"])
        price = analysis["credits"]
        assert (price, analysis["result"]["label_image_id"]) == (5, label)

        def suggested() -> dict[str, Any] | None:
            found: dict[str, Any] = seller.get(f"{products}/suggestions")
            return found if found["analysis_id"] == analysis["id"] else None

        found = eventually(suggested, timeout=20)
        shown = {s["field"]: s for s in found["suggestions"]}
        assert {"category", "brand", "size", "colours", "condition", "gender", "title", "price"} <= set(shown)
        assert (shown["category"]["value"], shown["category"]["confidence"]) == ("jeans", 0.93)
        assert (shown["brand"]["value"], shown["brand"]["confidence"]) == ("levi-s", 0.91)
        assert shown["size"]["value"] == {"size_system": "waist", "size": "W32"}
        for name in ("colours", "condition", "gender"):
            assert 0 < shown[name]["confidence"] <= 1, name
        assert {s["analysis_id"] for s in shown.values()} == {analysis["id"]}
        assert shown["brand"]["current"] is None
        drafts = found["drafts"]
        assert len(drafts["ebay"]["title"]) <= 80
        assert len(drafts["etsy"]["title"]) <= 140
        assert len(shown["title"]["value"]) <= 80  # fits every marketplace

        accepted = seller.post(f"{products}/suggestions/accept", {"all": True})
        assert accepted.status_code == 200, accepted.text
        decided = accepted.json()
        assert decided["remaining"] == []
        fresh = decided["product"]
        assert (fresh["category"], fresh["brand"], fresh["size"], fresh["gender"]) == (
            "jeans",
            "levi-s",
            "W32",
            "men",
        )
        assert fresh["field_sources"]["brand"] == {
            "source": "ai",
            "analysis_id": analysis["id"],
            "confidence": 0.91,
            "set_at": fresh["field_sources"]["brand"]["set_at"],
        }
        assert Decimal(fresh["price"]) == Decimal(analysis["result"]["price"]["amount"])

        # The publish checks: ready, then every marketplace's requirements (422 would list what is missing).
        ready = seller.post(f"{products}/status", {"status": "ready"})
        assert ready.status_code == 200, ready.text
        published = seller.post(f"{products}/publications", {"marketplaces": ["ebay", "etsy", "vinted"]})
        assert published.status_code == 202, published.text

        assert eventually(lambda: seller.credits() == start - price, timeout=10)
        # The same analysis again: from the cache, nothing spent; its suggestions agree with the product.
        again = seller.analyse([front, back, label], **request)
        assert again.status_code == 200, again.text
        assert (again.json()["cached"], again.json()["credits"]) == (True, 0)
        assert seller.credits() == start - price
        analysis = again.json()
        repeated = eventually(suggested, timeout=20)
        shown = {s["field"]: s for s in repeated["suggestions"]}
        assert all(shown[f]["value"] == shown[f]["current"] for f in ("category", "brand", "size", "price"))
