"""AI through the gateway: two photos uploaded to media → an analysis (the AI stand-in reads them) with a
confidence per attribute and drafts per marketplace → its price taken from the seller's credits at billing →
the same request again answered from the cache for nothing → with no credits left, 402."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
from PIL import Image
from vitrine_kit.testing.helpers import eventually_sync as eventually


def photo(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 1200), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


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

    def analyse(self, image_ids: list[str]) -> httpx.Response:
        return self.api.post("/api/ai/analyses", json={"image_ids": image_ids}, headers=self.auth)

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
