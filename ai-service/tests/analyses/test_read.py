"""``GET /analyses/{id}``, ``GET /analyses`` and ``GET /analyses/limits``."""

from __future__ import annotations

import uuid


class TestGetAnalysis:
    async def test_an_unknown_analysis_is_a_404(self, seller) -> None:
        response = await seller.get(f"/analyses/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["type"].endswith("analysis-not-found")

    async def test_a_queued_analysis_shows_its_held_credits(self, seller) -> None:
        await seller.app.sandbox.latency(400)
        analysis = await seller.ask(image_ids=seller.photos(2))
        assert (analysis["status"], analysis["credits"], analysis["credits_state"]) == ("queued", 1, "held")
        assert analysis["result"] is None
        assert (await seller.get(f"/analyses/{analysis['id']}")).json()["status"] in ("queued", "running")

    async def test_a_token_is_required(self, app) -> None:
        assert (await app.client.get(f"/analyses/{uuid.uuid4()}")).status_code == 401


class TestListAnalyses:
    async def test_newest_first_in_pages(self, seller) -> None:
        made = [(await seller.analyse(image_ids=seller.photos(1, start=i)))["id"] for i in range(3)]
        first = (await seller.get("/analyses", params={"limit": 2})).json()
        assert [a["id"] for a in first["items"]] == made[::-1][:2]
        second = (await seller.get("/analyses", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert [a["id"] for a in second["items"]] == made[:1]
        assert second["next_cursor"] is None

    async def test_by_product_and_status(self, seller) -> None:
        product = str(uuid.uuid4())
        mine = await seller.analyse(product_id=product, image_ids=seller.photos(1))
        await seller.analyse(image_ids=seller.photos(1, start=2))
        listed = (await seller.get("/analyses", params={"product_id": product})).json()["items"]
        assert [a["id"] for a in listed] == [mine["id"]]
        failed = (await seller.get("/analyses", params={"status": "failed"})).json()["items"]
        assert failed == []

    async def test_a_bad_cursor_is_a_422(self, seller) -> None:
        response = await seller.get("/analyses", params={"cursor": "nonsense"})
        assert response.status_code == 422
        assert response.json()["type"] == "https://errors.vitrine.app/invalid-cursor"


class TestPhotoLimit:
    async def test_the_free_plan_until_billing_speaks(self, seller) -> None:
        assert (await seller.get("/analyses/limits")).json() == {"plan": "free", "photos_per_analysis": 5}
