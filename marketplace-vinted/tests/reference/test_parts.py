"""Reference lists fetched in parts: each part a job and an event of a bounded size, the next part asked
when one comes back, replays and a list that changed mid-fetch handled. The plugin's parts are cut as the
stand-in cuts them, from its 60,000 brands."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox_vinted import reference as vinted
from sandbox_vinted.plugin.parts import cut, whole_list
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedJobCompleted

PART_BYTES = 400_000


def part(offset: int, entries: list[dict[str, Any]], total: int, snapshot: str = "s1") -> dict[str, Any]:
    return {
        "part": {
            "offset": offset,
            "count": len(entries),
            "total": total,
            "snapshot": snapshot,
            "fetched_at": datetime.now(UTC).isoformat(),
        },
        "entries": entries,
    }


async def parts_of(seller, what: str) -> list[dict[str, Any]]:
    return [e for e in await seller.emitted("marketplace.vinted.reference.fetched") if e["what"] == what]


class TestParts:
    async def test_sixty_thousand_brands_cross_in_bounded_parts_and_reach_catalog_whole(self, seller) -> None:
        await seller.online()
        assert (await seller.post("/reference/brands")).status_code == 202
        whole = whole_list(ReferenceKind.BRANDS, vinted.answer("brands"))
        seen: set[str] = set()
        asked = 0
        while True:
            job = await seller.next_job("fetch_reference", seen)
            params = job["params"]
            assert params["part_bytes"] == PART_BYTES
            answer = cut(whole, params["offset"], params["part_bytes"]).model_dump(mode="json")
            assert len(json.dumps(answer)) <= PART_BYTES  # the plugin's answer fits the relay's message
            await seller.answer(job, answer)
            asked += 1
            if answer["part"]["offset"] + answer["part"]["count"] == answer["part"]["total"]:
                break
        events = await seller.eventually(lambda: _at_least(seller, "brands", asked), timeout=30)
        assert len(events) == asked > 10
        assert len({e["part"]["fetch_id"] for e in events}) == 1
        assert max(len(json.dumps(e)) for e in events) <= PART_BYTES
        ids = [b["id"] for e in sorted(events, key=lambda e: e["part"]["offset"]) for b in e["brands"]]
        assert ids == [b["id"] for b in vinted.BRANDS]
        assert all(e["part"]["total"] == len(vinted.BRANDS) for e in events)

    async def test_a_result_delivered_twice_asks_for_the_next_part_once(self, seller) -> None:
        device = await seller.online()
        await seller.post("/reference/colors")
        seen: set[str] = set()
        first = await seller.next_job("fetch_reference", seen)
        answer = part(0, vinted.COLORS[:20], len(vinted.COLORS))
        await seller.answer(first, answer)
        await seller.answer(first, answer)  # the relay's report delivered again
        await seller.play(  # the plugin's journal replaying it (a new answer to the same job)
            VintedJobCompleted(
                job_id=uuid.UUID(first["job_id"]),
                tenant_id=seller.tenant_id,
                device_id=device,
                outcome="succeeded",
                data=answer,
                replayed=True,
            )
        )
        second = await seller.next_job("fetch_reference", seen)
        assert (second["params"]["offset"], second["params"]["snapshot"]) == (20, "s1")
        await seller.answer(second, part(20, vinted.COLORS[20:], len(vinted.COLORS)))
        events = await seller.eventually(lambda: _at_least(seller, "colors", 2))
        assert [(e["part"]["offset"], e["part"]["count"]) for e in events] == [(0, 20), (20, 9)]
        assert len([j for j in await seller.every("/jobs") if j["kind"] == "fetch_reference"]) == 2
        assert len(await parts_of(seller, "colors")) == 2

    async def test_a_list_that_changed_mid_fetch_is_fetched_again_from_the_top(self, seller) -> None:
        await seller.online()
        await seller.post("/reference/conditions")
        seen: set[str] = set()
        first = await seller.next_job("fetch_reference", seen)
        await seller.answer(first, part(0, vinted.CONDITIONS[:3], 5, snapshot="before"))
        second = await seller.next_job("fetch_reference", seen)
        await seller.answer(second, part(3, vinted.CONDITIONS[3:], 5, snapshot="after"))
        third = await seller.next_job("fetch_reference", seen)
        assert (third["params"]["offset"], third["params"]["snapshot"]) == (0, None)
        await seller.answer(third, part(0, vinted.CONDITIONS, 5, snapshot="after"))
        events = await seller.eventually(lambda: _at_least(seller, "conditions", 2))
        assert [(e["part"]["snapshot"], e["part"]["count"]) for e in events] == [("before", 3), ("after", 5)]
        assert (
            events[0]["part"]["fetch_id"] != events[1]["part"]["fetch_id"]
        )  # the first fetch never completes

    async def test_a_part_whose_entries_do_not_match_its_count_is_refused(self, seller) -> None:
        await seller.online()
        await seller.post("/reference/colors")
        job = await seller.next_job("fetch_reference")
        bad = part(0, vinted.COLORS[:3], len(vinted.COLORS))
        bad["part"]["count"] = 5
        await seller.answer(job, bad)

        async def failed() -> dict[str, Any] | None:
            found = await seller.job(job["job_id"])
            return found if found["status"] == "failed" else None

        assert (await seller.eventually(failed))["error"]["code"] == "malformed_result"
        assert not await parts_of(seller, "colors")


async def _at_least(seller, what: str, count: int) -> list[dict[str, Any]] | None:
    found = await parts_of(seller, what)
    return found if len(found) >= count else None
