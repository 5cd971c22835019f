"""The CSV form of a product: one row, lists joined by '|', pairs written ``key:value``."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from catalog_service.models import Product

COLUMNS = [
    "sku", "title", "description", "price", "currency", "stock_quantity", "status", "brand", "category",
    "size_system", "size", "colours", "materials", "condition", "gender", "measurements_cm", "attributes",
    "flaws", "notes", "images",
]  # fmt: skip


def _pairs(values: dict[str, Any]) -> str:
    return "|".join(f"{k}:{v}" for k, v in values.items())


def to_row(product: Product) -> list[str]:
    """The product as CSV cells, in ``COLUMNS`` order."""
    materials = "|".join(
        f"{m['material']}:{m['percent']}" if m.get("percent") else m["material"] for m in product.materials
    )
    images = "|".join(
        f"{i['media_id']}:label" if i.get("is_label") else str(i["media_id"]) for i in product.images
    )
    return [
        product.sku, product.title, product.description, "" if product.price is None else str(product.price),
        product.currency, str(product.stock_quantity), product.status, product.brand or "", product.category or "",
        product.size_system or "", product.size or "", "|".join(product.colours), materials,
        product.condition or "", product.gender or "", _pairs(product.measurements_cm), _pairs(product.attributes),
        "|".join(product.flaws), product.notes, images,
    ]  # fmt: skip


# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` made inert for spreadsheets: a leading quote before a formula character; numbers as they are."""
    if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _restored(cell: str) -> str:
    """The text a neutralised cell stood for, so an export imports back unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([neutralised(c) for c in cells])
    return buffer.getvalue()


def _split(cell: str) -> list[str]:
    return [p.strip() for p in cell.split("|") if p.strip()]


def _pair_map(cell: str) -> dict[str, str]:
    out = {}
    for part in _split(cell):
        key, _, value = part.partition(":")
        out[key.strip()] = value.strip()
    return out


def from_row(row: dict[str, str]) -> dict[str, Any]:
    """CSV cells → a ``ProductCreate`` payload (validation happens there); ``status`` is not imported."""
    cell = {k: _restored((v or "").strip()) for k, v in row.items() if k}
    data: dict[str, Any] = {}
    for key in ("sku", "title", "description", "currency", "brand", "category", "size_system", "size",
                "condition", "gender", "notes"):  # fmt: skip
        if cell.get(key):
            data[key] = cell[key]
    if cell.get("price"):
        data["price"] = cell["price"]
    if cell.get("stock_quantity"):
        data["stock_quantity"] = cell["stock_quantity"]
    if cell.get("colours"):
        data["colours"] = _split(cell["colours"])
    if cell.get("flaws"):
        data["flaws"] = _split(cell["flaws"])
    if cell.get("materials"):
        data["materials"] = [
            {"material": k, "percent": int(v) if v.isdigit() else None}
            for k, v in _pair_map(cell["materials"]).items()
        ]
    if cell.get("measurements_cm"):
        data["measurements_cm"] = {
            k: Decimal(v) if v else v for k, v in _pair_map(cell["measurements_cm"]).items()
        }
    if cell.get("attributes"):
        data["attributes"] = _pair_map(cell["attributes"])
    if cell.get("images"):
        data["images"] = [
            {"media_id": part.partition(":")[0], "is_label": part.endswith(":label")}
            for part in _split(cell["images"])
        ]
    return data
