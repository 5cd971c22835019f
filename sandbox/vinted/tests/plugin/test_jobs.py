"""The plugin stand-in's job handlers: params parsed with the relay contract's models, Vinted called as a real
extension would, answers built from the contract's data models."""

from __future__ import annotations

import pytest
from sandbox_vinted import reference as vinted_reference
from sandbox_vinted.plugin import VintedFailure
from vitrine_contracts.relay.v1 import (
    DelistData,
    FetchItemData,
    JobKind,
    PublishData,
    ReferenceData,
    SalesData,
    UpdateData,
    WardrobeData,
    parse_data,
)

ITEM = {
    "title": "Levi's 501 jeans",
    "description": "Worn twice",
    "price": 27.9,
    "currency": "EUR",
    "catalog_id": 1206,
    "status_id": 2,
    "color_ids": [4],
    "package_size_id": 1,
    "is_unisex": False,  # a field Vitrine does not model travels to Vinted as it is
}
PHOTOS = [{"url": "http://vinted.test/_control/sample.jpg"}]


async def published(runner) -> PublishData:
    data = await runner.run(JobKind.PUBLISH, {"photos": PHOTOS, "item": ITEM})
    assert isinstance(data, PublishData)
    return data


class TestWrites:
    async def test_publish_uploads_photos_then_the_item(self, runner, tab, vinted) -> None:
        data = await published(runner)
        item = vinted.state.vinted.items[data.item_id]
        assert (item["title"], item["is_unisex"], len(item["assigned_photos"])) == (
            "Levi's 501 jeans",
            False,
            1,
        )
        assert [(c.method, c.path, c.status) for c in tab.calls] == [
            ("POST", "/photos", 200),
            ("POST", "/item_upload/items", 200),
        ]
        assert parse_data(JobKind.PUBLISH, data.model_dump(mode="json")) == data

    async def test_update_keeps_the_photos_and_delist_of_a_gone_item_succeeds(self, runner, vinted) -> None:
        data = await published(runner)
        updated = await runner.run(JobKind.UPDATE, {"item_id": data.item_id, "item": ITEM | {"price": 31.5}})
        assert updated == UpdateData(item_id=data.item_id)
        assert vinted.state.vinted.items[data.item_id]["price"] == 31.5
        assert vinted.state.vinted.items[data.item_id]["assigned_photos"]
        assert await runner.run(JobKind.DELIST, {"item_id": data.item_id}) == DelistData(item_id=data.item_id)
        again = await runner.run(JobKind.DELIST, {"item_id": data.item_id})
        assert again == DelistData(item_id=data.item_id, already_gone=True)

    async def test_params_that_do_not_fit_the_contract_fail_without_calling_vinted(self, runner, tab) -> None:
        with pytest.raises(VintedFailure) as failure:
            await runner.run(JobKind.PUBLISH, {"photos": [], "item": {"title": "no price"}})
        assert failure.value.error.code == "plugin_error"
        assert "invalid params" in failure.value.error.message
        assert tab.calls == []

    async def test_vinted_s_validation_comes_back_with_its_fields(self, runner) -> None:
        with pytest.raises(VintedFailure) as failure:
            await runner.run(
                JobKind.PUBLISH, {"photos": PHOTOS, "item": ITEM | {"color_ids": [], "title": "abc"}}
            )
        assert failure.value.error.code == "validation"
        assert "title" in failure.value.error.fields


class TestReads:
    async def test_sales_carry_bundles_line_by_line(self, runner, tab, vinted) -> None:
        first, second = await published(runner), await published(runner)
        await tab.http.post("/_control/bundles", json={"item_ids": [first.item_id, second.item_id]})
        data = await runner.run(JobKind.SYNC_SALES, {})
        assert isinstance(data, SalesData)
        [order] = data.orders
        assert [(line.item_id, line.price) for line in order.lines()] == [
            (first.item_id, "27.90"),
            (second.item_id, "27.90"),
        ]

    async def test_the_wardrobe_tells_sold_from_deleted(self, runner, tab) -> None:
        kept, sold, deleted = await published(runner), await published(runner), await published(runner)
        await tab.http.post(f"/_control/items/{sold.item_id}/sell", json={})
        await tab.http.post(f"/_control/items/{deleted.item_id}/delete")
        known = [kept.item_id, sold.item_id, deleted.item_id]
        data = await runner.run(JobKind.SYNC_WARDROBE, {"known_item_ids": known})
        assert isinstance(data, WardrobeData)
        assert [i.id for i in data.items] == [kept.item_id]
        assert {i.id: i.item_closing_action for i in data.missing} == {
            sold.item_id: "sold",
            deleted.item_id: "deleted",
        }

    async def test_an_item_and_reference_data(self, runner) -> None:
        data = await published(runner)
        fetched = await runner.run(JobKind.FETCH_ITEM, {"item_id": data.item_id})
        assert isinstance(fetched, FetchItemData)
        assert (fetched.item.id, str(fetched.item.price), fetched.item.currency) == (
            data.item_id,
            "27.9",
            "EUR",
        )
        colors = await runner.run(JobKind.FETCH_REFERENCE, {"what": "colors"})
        assert isinstance(colors, ReferenceData)
        assert colors.model_dump()["colors"][0] | {"hex": "", "order": 0} == {
            "id": 1,
            "title": "Black",
            "hex": "",
            "order": 0,
            "code": "BLACK",
        }
        sizes = await runner.run(JobKind.FETCH_REFERENCE, {"what": "size_groups", "catalog_id": 257})
        assert [g["id"] for g in sizes.model_dump()["size_groups"]] == [2, 3]  # men: letter, then waist
        packages = await runner.run(JobKind.FETCH_REFERENCE, {"what": "package_sizes", "catalog_id": 1206})
        assert [p["id"] for p in packages.model_dump()["package_sizes"] if p["is_recommended"]] == [2]
        with pytest.raises(VintedFailure):
            await runner.run(JobKind.FETCH_REFERENCE, {"what": "everything"})


class TestReferenceParts:
    async def test_sixty_thousand_brands_come_in_parts_that_fit_and_cover_the_list(self, runner) -> None:
        part_bytes = 300_000
        first = await runner.run(JobKind.FETCH_REFERENCE, {"what": "brands", "part_bytes": part_bytes})
        assert isinstance(first, ReferenceData)
        assert first.part is not None
        assert first.part.total == len(vinted_reference.BRANDS) > 60_000
        ids, offset, parts, calls_before = [], 0, 0, len(runner.tab.calls)
        data = first
        while True:
            assert data.part is not None
            assert data.part.offset == offset
            assert data.part.snapshot == first.part.snapshot
            assert len(data.model_dump_json().encode()) <= part_bytes
            ids += [e["id"] for e in data.entries or []]
            parts += 1
            if data.part.next_offset is None:
                break
            offset = data.part.next_offset
            params = {
                "what": "brands",
                "part_bytes": part_bytes,
                "offset": offset,
                "snapshot": data.part.snapshot,
            }
            data = await runner.run(JobKind.FETCH_REFERENCE, params)
            assert isinstance(data, ReferenceData)
        assert ids == [b["id"] for b in vinted_reference.BRANDS]
        assert parts > 15
        assert len(runner.tab.calls) == calls_before  # later parts come from the kept list

    async def test_the_tree_comes_flattened_and_another_snapshot_reads_vinted_again(self, runner) -> None:
        asked = {"what": "catalogs", "part_bytes": 16_000}
        data = await runner.run(JobKind.FETCH_REFERENCE, asked)
        assert isinstance(data, ReferenceData)
        assert data.part is not None
        assert data.entries
        jeans = next(e for e in data.entries if e["id"] == 257)
        assert (jeans["parent_id"], jeans["path"], jeans["leaf"]) == (
            2050,
            ["Men", "Clothing", "Jeans"],
            True,
        )
        assert "catalogs" not in data.entries[0]
        calls = len(runner.tab.calls)
        again = await runner.run(JobKind.FETCH_REFERENCE, asked | {"offset": 3, "snapshot": "not-this-one"})
        assert len(runner.tab.calls) == calls + 1
        assert isinstance(again, ReferenceData)
        assert again.part is not None
        assert again.part.snapshot == data.part.snapshot  # the same list, read again
