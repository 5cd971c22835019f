from __future__ import annotations

import csv
import io


class TestCsv:
    async def test_round_trip_into_another_tenant_with_a_bad_row(self, app, seller) -> None:
        first = await seller.create(**seller.sample(sku="CSV-1", notes='says "hello", twice'))
        await seller.create(**seller.sample(sku="CSV-2", title="Second", colours=["black", "white"]))
        deleted = await seller.create(sku="CSV-GONE")
        await seller.delete(f"/products/{deleted['id']}")
        export = await seller.get("/exports/products.csv")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.text)))
        assert [r["sku"] for r in rows] == ["CSV-1", "CSV-2"]
        assert rows[0]["materials"] == "cotton:99|elastane:1"
        bad = dict(rows[0], sku="CSV-BAD", brand="nobody", price="cheap")
        text = export.text + "".join([",".join(f'"{v}"' for v in bad.values()) + "\n"])
        other = app.seller()
        response = await other.post("/imports/products", files={"file": ("products.csv", text, "text/csv")})
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["created"], report["failed"]) == (2, 1)
        [failure] = [r for r in report["rows"] if not r["ok"]]
        assert (failure["row"], failure["sku"]) == (4, "CSV-BAD")
        assert "price" in {e["field"] for e in failure["errors"]}
        copied = (await other.get("/products", params={"sort": "sku"})).json()["items"]
        assert [p["sku"] for p in copied] == ["CSV-1", "CSV-2"]
        original = await seller.product(first["id"])
        for field in ("title", "description", "price", "brand", "category", "size_system", "size", "colours",
                      "materials", "condition", "gender", "measurements_cm", "attributes", "flaws", "notes",
                      "images"):  # fmt: skip
            assert copied[0][field] == original[field], field
        assert copied[1]["colours"] == ["black", "white"]

    async def test_a_row_with_an_unknown_brand_keeps_it_as_free_text_pending_review(self, seller) -> None:
        text = "sku,title,brand\nA-1,ok,zara\nA-2,typed,nobody\n"
        report = (await seller.post("/imports/products", files={"file": ("p.csv", text, "text/csv")})).json()
        assert report["created"] == 2
        products = (await seller.get("/products", params={"sort": "sku"})).json()["items"]
        assert [p["brand"] for p in products] == ["zara", "nobody"]
        pending = (await seller.get("/reference/brands/pending")).json()["items"]
        assert [p["name"] for p in pending] == ["nobody"]

    async def test_formulas_are_exported_inert_and_import_back_unchanged(self, app, seller) -> None:
        title = '=HYPERLINK("http://evil.example","click")'
        await seller.create(**seller.sample(sku="CSV-F", title=title, notes="@SUM(A1:A9)"))
        export = await seller.get("/exports/products.csv")
        [row] = list(csv.DictReader(io.StringIO(export.text)))
        assert row["title"] == "'" + title
        assert row["notes"] == "'@SUM(A1:A9)"
        assert row["price"] == "35.00"
        other = app.seller()
        response = await other.post("/imports/products", files={"file": ("p.csv", export.text, "text/csv")})
        assert response.json()["created"] == 1
        [copied] = (await other.get("/products")).json()["items"]
        assert (copied["title"], copied["notes"]) == (title, "@SUM(A1:A9)")
