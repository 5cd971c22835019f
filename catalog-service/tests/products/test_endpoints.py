from __future__ import annotations

import uuid


class TestCreate:
    async def test_a_complete_product_is_stored_as_a_draft(self, seller) -> None:
        body = seller.sample(notes="from the Lyon fair")
        product = await seller.create(**body)
        assert product["status"] == "draft"
        assert product["version"] == 1
        assert product["price"] == "35.00"
        assert product["materials"][0] == {"material": "cotton", "percent": 99}
        assert product["images"][1]["is_label"] is True
        assert product["attributes"]["fit"] == "straight"
        assert product["sku"].startswith("VT-")
        again = await seller.get(f"/products/{product['id']}")
        assert again.headers["ETag"] == '"1"'
        assert again.json()["measurements_cm"] == {"waist": "41", "inseam": "81"}

    async def test_invalid_fields_are_each_named(self, seller) -> None:
        response = await seller.post(
            "/products",
            json={
                "price": "-1",
                "colours": ["red", "blue", "green"],
                "stock_quantity": -2,
                "currency": "euro",
            },
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"price", "colours", "stock_quantity", "currency"} <= fields

    async def test_unknown_reference_codes_are_each_named(self, seller) -> None:
        response = await seller.post(
            "/products",
            json={
                "brand": "no-such-brand",
                "category": "bottoms",
                "colours": ["blue", "ultraviolet"],
                "attributes": {"fit": "baggy-ish", "mood": "happy"},
                "size_system": "waist",
                "size": "W99",
                "materials": [{"material": "kryptonite", "percent": 10}],
            },
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {  # an unknown brand is free text (reference/test_brands.py), not an error
            "category",
            "colours.1",
            "attributes.fit",
            "attributes.mood",
            "size",
            "materials.0.material",
        }

    async def test_a_size_system_must_fit_the_category(self, seller) -> None:
        response = await seller.post(
            "/products", json={"category": "t-shirts", "size_system": "waist", "size": "W30"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "size"

    async def test_two_label_photos_and_materials_over_100_percent_are_refused(self, seller) -> None:
        media = str(uuid.uuid4())
        response = await seller.post(
            "/products",
            json={
                "images": [
                    {"media_id": media, "is_label": True},
                    {"media_id": str(uuid.uuid4()), "is_label": True},
                ],
                "materials": [{"material": "cotton", "percent": 80}, {"material": "wool", "percent": 30}],
            },
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"images", "materials"}


class TestSku:
    async def test_a_sku_is_unique_per_tenant(self, app, seller) -> None:
        await seller.create(sku="JEANS-1")
        response = await seller.post("/products", json={"sku": "JEANS-1"})
        assert response.status_code == 409
        assert response.json()["type"].endswith("sku-taken")
        other = app.seller()
        assert (await other.create(sku="JEANS-1"))["sku"] == "JEANS-1"

    async def test_a_deleted_product_frees_its_sku_and_restoring_it_checks_again(self, seller) -> None:
        first = await seller.create(sku="DUP")
        assert (await seller.delete(f"/products/{first['id']}")).status_code == 204
        await seller.create(sku="DUP")
        response = await seller.post(f"/products/{first['id']}/restore")
        assert response.status_code == 409


class TestUpdate:
    async def test_patch_changes_only_what_is_sent_and_bumps_the_version(self, seller) -> None:
        product = await seller.create(**seller.sample())
        response = await seller.patch(
            f"/products/{product['id']}", json={"price": "29.90"}, headers={"If-Match": '"1"'}
        )
        assert response.status_code == 200, response.text
        assert response.json()["price"] == "29.90"
        assert response.json()["title"] == product["title"]
        assert response.headers["ETag"] == '"2"'

    async def test_a_stale_if_match_gets_412(self, seller) -> None:
        product = await seller.create(title="A")
        assert (await seller.patch(f"/products/{product['id']}", json={"title": "B"})).status_code == 200
        stale = await seller.patch(
            f"/products/{product['id']}", json={"title": "C"}, headers={"If-Match": '"1"'}
        )
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2
        body_version = await seller.patch(f"/products/{product['id']}", json={"title": "C", "version": 1})
        assert body_version.status_code == 412
        assert (await seller.product(product["id"]))["title"] == "B"

    async def test_reference_combinations_are_checked_against_the_stored_product(self, seller) -> None:
        product = await seller.create(category="jeans", size_system="waist", size="W30")
        response = await seller.patch(f"/products/{product['id']}", json={"category": "t-shirts"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "size"


class TestLifecycle:
    async def test_draft_to_ready_needs_a_complete_product(self, seller) -> None:
        product = await seller.create(title="Only a title")
        response = await seller.post(f"/products/{product['id']}/status", json={"status": "ready"})
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {
            "description",
            "price",
            "category",
            "condition",
            "images",
        }

    async def test_refused_transitions_are_named(self, seller) -> None:
        product = await seller.create(title="x")
        response = await seller.post(f"/products/{product['id']}/status", json={"status": "sold"})
        assert response.status_code == 409
        assert response.json()["transition"] == {"from": "draft", "to": "sold"}
        listed = await seller.post(f"/products/{product['id']}/status", json={"status": "listed"})
        assert listed.status_code == 409

    async def test_ready_sold_archived_draft(self, seller) -> None:
        product = await seller.ready()
        assert product["status"] == "ready"
        sold = await seller.post(f"/products/{product['id']}/status", json={"status": "sold"})
        assert sold.json()["status"] == "sold"
        assert sold.json()["stock_quantity"] == 0
        assert sold.json()["sold_at"]
        for status in ("archived", "draft"):
            response = await seller.post(f"/products/{product['id']}/status", json={"status": status})
            assert response.json()["status"] == status
        back = await seller.post(f"/products/{product['id']}/status", json={"status": "sold"})
        assert back.status_code == 409


class TestDelete:
    async def test_soft_delete_hides_the_product_and_restore_brings_it_back(self, seller) -> None:
        product = await seller.create(title="to delete")
        assert (
            await seller.delete(f"/products/{product['id']}", headers={"If-Match": '"1"'})
        ).status_code == 204
        listing = (await seller.get("/products")).json()
        assert product["id"] not in [p["id"] for p in listing["items"]]
        deleted = (await seller.get("/products", params={"deleted": "true"})).json()
        assert [p["id"] for p in deleted["items"]] == [product["id"]]
        assert (await seller.patch(f"/products/{product['id']}", json={"title": "x"})).status_code == 409
        restored = await seller.post(f"/products/{product['id']}/restore")
        assert restored.status_code == 200
        assert restored.json()["deleted_at"] is None
        assert (await seller.post(f"/products/{product['id']}/restore")).status_code == 409


class TestIsolation:
    async def test_another_tenant_never_reaches_a_product(self, app, seller) -> None:
        product = await seller.create(**seller.sample())
        intruder = app.seller()
        pid = product["id"]
        attempts = [
            await intruder.get(f"/products/{pid}"),
            await intruder.patch(f"/products/{pid}", json={"title": "mine"}),
            await intruder.post(f"/products/{pid}/status", json={"status": "ready"}),
            await intruder.delete(f"/products/{pid}"),
            await intruder.post(f"/products/{pid}/restore"),
            await intruder.get(f"/products/{pid}/publications"),
            await intruder.post(f"/products/{pid}/publications", json={"marketplaces": ["ebay"]}),
            await intruder.delete(f"/products/{pid}/publications/ebay"),
        ]
        assert [r.status_code for r in attempts] == [404] * len(attempts)
        assert (await intruder.get("/products")).json()["total"] == 0
        bulk = await intruder.post("/products/bulk", json={"action": "delete", "ids": [pid]})
        assert bulk.json()["results"][0]["status"] == 404
        assert (await seller.product(pid))["title"] == product["title"]

    async def test_no_token_no_access(self, app) -> None:
        assert (await app.client.get("/products")).status_code == 401


class TestList:
    async def test_filters_sort_cursor_and_total(self, seller) -> None:
        made = []
        for i, (brand, category, price) in enumerate(
            [
                ("levi-s", "jeans", "30.00"),
                ("levi-s", "t-shirts", "10.00"),
                ("zara", "dresses", "25.00"),
                ("zara", "jeans", "50.00"),
                ("nike", "activewear-tops", "15.00"),
            ]
        ):
            made.append(
                await seller.create(
                    sku=f"L-{i}", title=f"item {i} {brand}", brand=brand, category=category, price=price
                )
            )
        page = (await seller.get("/products", params={"brand": "levi-s"})).json()
        assert page["total"] == 2
        bottoms = (await seller.get("/products", params={"category": "bottoms"})).json()
        assert {p["sku"] for p in bottoms["items"]} == {"L-0", "L-3"}
        priced = (
            await seller.get("/products", params={"price_min": "12", "price_max": "30", "sort": "price"})
        ).json()
        assert [p["price"] for p in priced["items"]] == ["15.00", "25.00", "30.00"]
        assert (await seller.get("/products", params={"q": "ZARA"})).json()["total"] == 2
        seen, cursor = [], None
        while True:
            params = {"limit": 2, "sort": "-price"}
            if cursor:
                params["cursor"] = cursor
            page = (await seller.get("/products", params=params)).json()
            assert page["total"] == 5
            seen += [p["price"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["50.00", "30.00", "25.00", "15.00", "10.00"]
        assert (await seller.get("/products", params={"cursor": "garbage"})).status_code == 422

    async def test_filter_by_status_and_marketplace_state(self, seller) -> None:
        listed = await seller.ready()
        await seller.publish(listed["id"], "ebay")
        await seller.create(title="draft")
        by_status = (await seller.get("/products", params={"status": "ready"})).json()
        assert [p["id"] for p in by_status["items"]] == [listed["id"]]
        pending = (
            await seller.get("/products", params={"marketplace": "ebay", "publication_status": "pending"})
        ).json()
        assert [p["id"] for p in pending["items"]] == [listed["id"]]
        assert pending["items"][0]["publications"][0]["status"] == "pending"
        assert (await seller.get("/products", params={"marketplace": "etsy"})).json()["total"] == 0
