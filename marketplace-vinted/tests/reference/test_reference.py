"""Reference data through the plugin: only the kinds that exist."""

from __future__ import annotations


class TestReference:
    async def test_only_known_kinds_are_fetched(self, seller) -> None:
        unknown = await seller.post("/reference/7b3c6c1e-0000-4000-8000-000000000000")
        assert unknown.status_code == 422, unknown.text
        assert (await seller.post("/reference/Colors")).status_code == 422
        assert not await seller.every("/jobs")  # nothing was queued

    async def test_a_fetch_is_a_job_whose_result_is_the_answer(self, seller) -> None:
        await seller.online()
        queued = await seller.post("/reference/brands", params={"catalog_id": 1206, "keyword": "levi"})
        assert queued.status_code == 202, queued.text
        assert queued.json()["kind"] == "fetch_reference"
        job = await seller.next_job("fetch_reference")
        assert job["params"] == {"what": "brands", "catalog_id": 1206, "keyword": "levi"}
        await seller.answer(job, {"brands": [{"id": 53, "title": "Levi's"}], "disable_custom_brands": False})
        done = await seller.eventually(lambda: _succeeded(seller, job["job_id"]))
        assert done["result"]["brands"] == [{"id": 53, "title": "Levi's"}]

    async def test_a_job_filter_must_be_a_status(self, seller) -> None:
        assert (await seller.get("/jobs", params={"status": "bogus"})).status_code == 422
        assert (await seller.get("/jobs", params={"status": "queued"})).status_code == 200


async def _succeeded(seller, job_id: str) -> dict | None:
    job = await seller.job(job_id)
    return job if job["status"] == "succeeded" else None
