"""Vinted's lists come through one seller's plugin and feed every tenant's mappings: an implausible one is
refused (counted in catalog_vinted_reference_refused_total{what,reason}), and every row a plugin's answer
writes or retires names its tenant.

The database is shared with the other tests: the brands these tests add (ids 993000 on) are removed at the
end, so no later whole list lacks them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest_asyncio
import sqlalchemy as sa
from catalog_service.models import Brand, MarketplaceMappingRow
from prometheus_client.parser import text_string_to_metric_families
from sandbox_vinted import reference as vinted
from vitrine_contracts.relay.v1 import ReferenceKind
from vitrine_contracts.vinted import VintedReferenceFetched, VintedReferencePart

OWN_FROM = 993_000


def own(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": OWN_FROM + i, "title": f"Guard Test Brand {i:05d}"} for i in range(start, start + count)]


def whole(entries: list[dict[str, Any]], at: datetime, cut: int, total: int | None = None) -> list[Any]:
    """One fetch of the whole brand list ``entries`` in two parts (``total`` as the plugin declares it)."""
    fetch_id = uuid.uuid4()
    declared = len(entries) if total is None else total
    out = []
    for offset, chunk in ((0, entries[:cut]), (cut, entries[cut:])):
        part = VintedReferencePart(
            fetch_id=fetch_id, offset=offset, count=len(chunk), total=declared, snapshot=str(at)
        )
        out.append(VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=at, part=part, brands=chunk))
    return out


async def refused(seller, reason: str) -> float:
    text = (await seller.app.client.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "catalog_vinted_reference_refused_total" and sample.labels == {
                "what": "brands",
                "reason": reason,
            }:
                return float(sample.value)
    return 0.0


async def rows(seller, ids: list[int]) -> dict[str, MarketplaceMappingRow]:
    """The brand mappings of Vinted ``ids``, as stored (with whose plugin wrote or retired them)."""
    async with seller.app.runtime.db.session() as session:
        found = await session.scalars(
            sa.select(MarketplaceMappingRow).where(
                MarketplaceMappingRow.marketplace == "vinted",
                MarketplaceMappingRow.kind == "brand",
                MarketplaceMappingRow.external_id.in_([str(i) for i in ids]),
            )
        )
        return {m.external_id: m for m in found}


async def active_brands(seller) -> dict[str, str]:
    """Vinted id → our code of every brand mapping not retired."""
    found = (await seller.get("/reference/mappings/vinted", params={"kind": "brand"})).json()
    return {m["external_id"]: m["code"] for m in found}


@pytest_asyncio.fixture
async def cleanup(seller) -> AsyncIterator[None]:
    yield
    async with seller.app.runtime.db.session() as session, session.begin():
        gone = await session.scalars(
            sa.delete(MarketplaceMappingRow)
            .where(
                MarketplaceMappingRow.marketplace == "vinted",
                MarketplaceMappingRow.kind == "brand",
                sa.cast(MarketplaceMappingRow.external_id, sa.BigInteger) >= OWN_FROM,
                sa.cast(MarketplaceMappingRow.external_id, sa.BigInteger) < OWN_FROM + 100_000,
            )
            .returning(MarketplaceMappingRow.code)
        )
        await session.execute(sa.delete(Brand).where(Brand.code.in_(list(gone))))


class TestGuard:
    async def test_a_three_brand_whole_list_writes_and_retires_nothing_and_is_counted(
        self, seller, cleanup
    ) -> None:
        mine = own(30)
        await seller.play(VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=_now(), brands=mine))
        await seller.eventually(lambda: _mapped(seller, [b["id"] for b in mine]), timeout=30)
        before = await refused(seller, "too_small")
        poison = own(3, start=50)
        for event in whole(poison, _now() + timedelta(seconds=1), 2):
            await seller.play(event)
        await seller.eventually(lambda: _counted(seller, "too_small", before + 2), timeout=30)
        assert not await rows(seller, [b["id"] for b in poison]), "nothing of the list was written"
        assert all(m.retired_at is None for m in (await rows(seller, [b["id"] for b in mine])).values())
        assert "levi-s" in (await active_brands(seller)).values()

    async def test_a_whole_list_retiring_too_large_a_share_retires_nothing_and_a_normal_one_still_retires(
        self, seller, cleanup
    ) -> None:
        active = await active_brands(seller)
        mine = own(max(25, len(active) // 8))  # more than 20 rows and more than 10 % of the brand mappings
        await seller.play(VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=_now(), brands=mine))
        await seller.eventually(lambda: _mapped(seller, [b["id"] for b in mine]), timeout=60)
        written = await rows(seller, [b["id"] for b in mine])
        assert {m.data["tenant_id"] for m in written.values()} == {str(seller.tenant_id)}
        shown = (await seller.get("/reference/mappings/vinted", params={"kind": "brand"})).json()
        assert not any("tenant_id" in m["data"] for m in shown), "other sellers are not told whose plugin"

        titles = {b["id"]: b["title"] for b in vinted.BRANDS}
        listed = [{"id": int(i), "title": titles[int(i)]} for i in active if int(i) in titles]
        before = await refused(seller, "retires_too_many")
        for event in whole(listed, _now() + timedelta(seconds=1), len(listed) // 2):
            await seller.play(event)
        await seller.eventually(lambda: _counted(seller, "retires_too_many", before + 1), timeout=60)
        assert all(m.retired_at is None for m in (await rows(seller, [b["id"] for b in mine])).values())

        other = uuid.uuid4()  # another seller's plugin answers the whole list but for one of them
        for event in whole([*listed, *mine[1:]], _now() + timedelta(seconds=2), len(listed)):
            await _play_as(seller, other, event)
        gone = await seller.eventually(lambda: _retired(seller, mine[0]["id"]), timeout=60)
        assert gone.data["retired_by"] == str(other)
        assert await refused(seller, "retires_too_many") == before + 1
        assert all(m.retired_at is None for m in (await rows(seller, [b["id"] for b in mine[1:]])).values())

    async def test_a_list_declaring_more_entries_than_any_list_has_is_not_applied(self, seller) -> None:
        before = await refused(seller, "over_bound")
        event = whole(own(2, start=90), _now(), 1, total=600_000)[0]
        await seller.play(event)
        await seller.eventually(lambda: _counted(seller, "over_bound", before + 1), timeout=30)
        assert not await rows(seller, [OWN_FROM + 90])


def _now() -> datetime:
    return datetime.now(UTC)


async def _play_as(seller, tenant_id: uuid.UUID, event: VintedReferenceFetched) -> None:
    async with seller.app.runtime.db.session() as session:
        seller.app.runtime.outbox.add(session, event, tenant_id=tenant_id)
        await session.commit()


async def _mapped(seller, ids: list[int]) -> bool:
    return len(await rows(seller, ids)) == len(ids)


async def _counted(seller, reason: str, at_least: float) -> bool:
    return await refused(seller, reason) >= at_least


async def _retired(seller, vinted_id: int) -> MarketplaceMappingRow | None:
    found = (await rows(seller, [vinted_id])).get(str(vinted_id))
    return found if found is not None and found.retired_at is not None else None


class TestFromTheFuture:
    async def test_an_answer_dated_in_the_future_is_taken_as_read_now(self, seller, cleanup) -> None:
        [brand] = own(1, start=95)
        future = datetime(2099, 1, 1, tzinfo=UTC)
        await seller.play(
            VintedReferenceFetched(what=ReferenceKind.BRANDS, fetched_at=future, brands=[brand])
        )
        await seller.eventually(lambda: _mapped(seller, [brand["id"]]), timeout=30)
        written = (await rows(seller, [brand["id"]]))[str(brand["id"])]
        assert datetime.fromisoformat(written.data["fetched_at"]) <= _now() + timedelta(minutes=5)
