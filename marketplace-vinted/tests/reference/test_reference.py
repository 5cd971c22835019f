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
        assert job["params"] == {
            "what": "brands",
            "catalog_id": 1206,
            "keyword": "levi",
            "part_bytes": 400_000,
            "offset": 0,
            "snapshot": None,
        }
        # A plugin that answers the whole body (it does not cut parts) is still heard.
        await seller.answer(job, {"brands": [{"id": 53, "title": "Levi's"}], "disable_custom_brands": False})
        done = await seller.eventually(lambda: _succeeded(seller, job["job_id"]))
        assert done["result"]["brands"] == [{"id": 53, "title": "Levi's"}]
        [fetched] = await seller.emitted("marketplace.vinted.reference.fetched")
        assert fetched["what"] == "brands"
        assert (fetched["catalog_id"], fetched["keyword"]) == (1206, "levi")
        assert fetched["brands"] == [{"id": 53, "title": "Levi's"}]
        assert fetched["part"] is None

    async def test_a_refresh_fetches_every_kind_and_tells_catalog_the_tree_flattened(self, seller) -> None:
        await seller.online()
        queued = await seller.post("/reference/refresh", json={"catalog_ids": [257]})
        assert queued.status_code == 202, queued.text
        assert [j["kind"] for j in queued.json()] == ["fetch_reference"] * 6
        tree = {
            "catalogs": [
                {
                    "id": 5,
                    "title": "Men",
                    "catalogs": [{"id": 257, "title": "Jeans", "size_group_ids": [3, 2]}],
                }
            ]
        }
        answers = {
            "catalogs": tree,
            "brands": {"brands": [{"id": 53, "title": "Levi's", "slug": "levis"}]},
            "colors": {"colors": [{"id": 9, "title": "Blue", "hex": "007BC4"}]},
            "size_groups": {
                "size_groups": [{"id": 3, "title": "Waist", "sizes": [{"id": 1628, "title": "W32"}]}]
            },
            "conditions": {"conditions": [{"id": 2, "title": "Very good"}]},
            "package_sizes": {"package_sizes": [{"id": 1, "title": "Small", "is_recommended": True}]},
        }
        asked, seen = set(), set()
        for _ in answers:
            job = await seller.next_job("fetch_reference", seen)
            asked.add((job["params"]["what"], job["params"].get("catalog_id")))
            await seller.answer(job, answers[job["params"]["what"]])
        assert asked == {
            ("catalogs", None),
            ("brands", None),
            ("colors", None),
            ("size_groups", None),
            ("conditions", 257),
            ("package_sizes", 257),
        }
        events = await seller.eventually(
            lambda: _all(seller, "marketplace.vinted.reference.fetched", len(answers))
        )
        by_kind = {e["what"]: e for e in events}
        assert by_kind["catalogs"]["catalogs"] == [
            {
                "id": 5,
                "title": "Men",
                "parent_id": None,
                "path": ["Men"],
                "leaf": False,
                "size_group_ids": [],
            },
            {
                "id": 257,
                "title": "Jeans",
                "parent_id": 5,
                "path": ["Men", "Jeans"],
                "leaf": True,
                "size_group_ids": [3, 2],
            },
        ]
        assert by_kind["size_groups"]["size_groups"][0]["sizes"] == [{"id": 1628, "title": "W32"}]
        assert by_kind["package_sizes"]["package_sizes"] == [{"id": 1, "title": "Small", "recommended": True}]
        assert by_kind["package_sizes"]["catalog_id"] == 257

    async def test_a_refresh_asks_about_at_most_50_catalogs(self, seller) -> None:
        refused = await seller.post("/reference/refresh", json={"catalog_ids": list(range(51))})
        assert refused.status_code == 422, refused.text
        assert not (await seller.get("/jobs")).json()["items"]

    async def test_a_job_filter_must_be_a_status(self, seller) -> None:
        assert (await seller.get("/jobs", params={"status": "bogus"})).status_code == 422
        assert (await seller.get("/jobs", params={"status": "queued"})).status_code == 200


async def _succeeded(seller, job_id: str) -> dict | None:
    job = await seller.job(job_id)
    return job if job["status"] == "succeeded" else None


async def _all(seller, event_type: str, count: int) -> list[dict] | None:
    found = await seller.emitted(event_type)
    return found if len(found) >= count else None
