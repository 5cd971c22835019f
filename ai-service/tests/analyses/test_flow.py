from __future__ import annotations


class TestSmoke:
    async def test_an_analysis_completes(self, seller) -> None:
        ids = seller.photos(3)
        analysis = await seller.ask(image_ids=ids, label_image_id=ids[2])
        assert analysis["status"] == "queued"
        done = await seller.finished(analysis["id"])
        assert done["status"] == "completed", done
