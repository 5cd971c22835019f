"""Whole Vinted lists arriving in parts: applied in any order and any number of times, and once whole, the
ids they lack retired (kept, named at publish, out of the brand search), an older list never undoing a newer.

Only ids these tests add (a size group 777, a brand 990001) are retired: the database is shared with the
other tests, whose ids are the stand-in's. The whole 60,000 brands in parts: marketplace-vinted's
tests/reference/test_parts.py and tests-e2e/test_vinted_flow.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox_vinted import reference as vinted
from vitrine_contracts.ai import (
    AnalysisCompleted,
    ColoursGuess,
    ConditionGuess,
    Guess,
    ItemAttributes,
    MaterialsGuess,
    SizeGuess,
)
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched, VintedReferencePart

EXTRA_GROUP = {"id": 777, "title": "Test group", "sizes": [{"id": 990777, "title": "M"}]}
EXTRA_BRAND = {"id": 990001, "title": "Retiro Atelier Test"}
EXTRA_CODE = "retiro-atelier-test"


def parts(
    what: ReferenceKind, entries: list[dict[str, Any]], at: datetime, cut: int
) -> list[VintedReferenceFetched]:
    """One fetch of the whole list ``entries`` as two parts, cut at ``cut``."""
    fetch_id = uuid.uuid4()
    out = []
    for offset, chunk in ((0, entries[:cut]), (cut, entries[cut:])):
        part = VintedReferencePart(
            fetch_id=fetch_id, offset=offset, count=len(chunk), total=len(entries), snapshot=str(at)
        )
        out.append(VintedReferenceFetched(what=what, fetched_at=at, part=part, **{what.value: chunk}))
    return out


async def sizes(seller, *, retired: bool = False) -> dict[str, dict[str, Any]]:
    params = {"kind": "size", "retired": str(retired).lower()}
    found = (await seller.get("/reference/mappings/vinted", params=params)).json()
    return {m["code"]: m for m in found}


def extra(found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for code, m in found.items() if code.startswith("777/")]


class TestRetired:
    async def test_ids_a_whole_list_lacks_are_retired_and_come_back_when_listed_again(self, seller) -> None:
        t1 = datetime.now(UTC)
        with_extra = parts(ReferenceKind.SIZE_GROUPS, [*vinted.SIZE_GROUPS, EXTRA_GROUP], t1, 2)
        for event in (with_extra[1], with_extra[0], with_extra[0]):  # out of order, and once again
            await seller.play(event)
        kept = await seller.eventually(lambda: _when(extra, sizes(seller)))
        assert all(m["external_id"] == "990777" and not m["retired"] for m in kept)

        without = parts(ReferenceKind.SIZE_GROUPS, vinted.SIZE_GROUPS, t1 + timedelta(seconds=1), 3)
        await seller.play(without[0])
        await seller.eventually(lambda: _written(seller, "2/letter:M", t1 + timedelta(seconds=1)))
        assert extra(await sizes(seller)), "a part alone retires nothing"
        await seller.play(without[1])
        await seller.eventually(lambda: _none(extra, sizes(seller)))
        gone = extra(await sizes(seller, retired=True))
        assert gone
        assert all(m["retired"] for m in gone)
        assert not any(m["retired"] for c, m in (await sizes(seller)).items() if not c.startswith("777/"))

        await seller.play(with_extra[1])  # the older list's part, late: it does not bring 777 back
        await seller.play(without[1])  # nor does the newer one's again
        again = parts(
            ReferenceKind.SIZE_GROUPS, [*vinted.SIZE_GROUPS, EXTRA_GROUP], t1 + timedelta(seconds=2), 4
        )
        await seller.eventually(lambda: _still_retired(seller))
        for event in again:
            await seller.play(event)
        back = await seller.eventually(lambda: _when(extra, sizes(seller)))
        assert not any(m["retired"] for m in back)

    async def test_a_retired_brand_leaves_the_search_and_a_publish_names_it(self, seller) -> None:
        t1 = datetime.now(UTC)
        await seller.play(
            VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=t1, brands=[EXTRA_BRAND])
        )
        await seller.eventually(lambda: _searched(seller, "retiro atelier", EXTRA_CODE), timeout=60)
        product = await seller.ready(brand=EXTRA_CODE)

        # Vinted's whole list as far as this database knows it (the seed's and test_vinted.py's), without it.
        for event in parts(ReferenceKind.BRANDS, vinted.BRANDS[:5000], t1 + timedelta(seconds=1), 2_500):
            await seller.play(event)
        await seller.eventually(lambda: _not_searched(seller, "retiro atelier"), timeout=60)
        assert await _searched(seller, "levi", "levi-s"), "the others stay"
        response = await seller.post(
            f"/products/{product['id']}/publications", json={"marketplaces": ["vinted"]}
        )
        assert response.status_code == 422, response.text
        [named] = [m for m in response.json()["missing"] if m["field"] == "brand"]
        assert named["code"] == "retired"
        assert "990001" in named["message"]
        assert "Retiro Atelier Test" in named["message"]
        assert (await seller.product(product["id"]))["brand"] == EXTRA_CODE  # the product keeps it
        guesses = {
            "category": Guess(),
            "brand": Guess(reference_id=EXTRA_CODE, text="Retiro", matched=True, confidence=0.9),
            "size": SizeGuess(),
            "colours": ColoursGuess(),
            "materials": MaterialsGuess(),
            "condition": ConditionGuess(),
            "gender": Guess(),
            "fit": Guess(reference_id="slim", text="Slim", matched=True, confidence=0.6),
        }
        event = AnalysisCompleted(
            analysis_id=uuid.uuid4(),
            product_id=uuid.UUID(product["id"]),
            image_ids=[uuid.uuid4()],
            language="en",
            attributes=ItemAttributes(**guesses),
        )
        await seller.play(event)
        found = await seller.eventually(
            lambda: _suggested(seller, product["id"], event.analysis_id), timeout=60
        )
        assert "brand" not in found, "an AI suggestion never offers a retired brand"
        assert "attributes.fit" in found

        later = t1 + timedelta(seconds=2)  # Vinted lists it again: back in the search
        await seller.play(
            VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=later, brands=[EXTRA_BRAND])
        )
        await seller.eventually(lambda: _searched(seller, "retiro atelier", EXTRA_CODE), timeout=60)


async def _when(pick, found) -> list[dict[str, Any]] | None:
    return pick(await found) or None


async def _none(pick, found) -> bool:
    return not pick(await found)


async def _written(seller, code: str, at: datetime) -> bool:
    mapping = (await sizes(seller)).get(code)
    return mapping is not None and datetime.fromisoformat(mapping["data"]["fetched_at"]) >= at


async def _still_retired(seller) -> bool:
    return not extra(await sizes(seller)) and bool(extra(await sizes(seller, retired=True)))


async def _searched(seller, q: str, code: str) -> bool:
    found = (await seller.get("/reference/brands", params={"q": q, "limit": 100})).json()["items"]
    return any(b["code"] == code for b in found)


async def _not_searched(seller, q: str) -> bool:
    return not await _searched(seller, q, EXTRA_CODE)


async def _suggested(seller, product_id: str, analysis_id: uuid.UUID) -> dict[str, Any] | None:
    found = (await seller.get(f"/products/{product_id}/suggestions")).json()
    if found.get("analysis_id") != str(analysis_id):
        return None
    return {s["field"]: s for s in found["suggestions"]}
