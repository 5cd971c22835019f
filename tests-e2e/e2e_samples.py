"""Sample data shared by the end-to-end tests."""

from __future__ import annotations


def jeans(title: str, media_ids: list[str]) -> dict[str, object]:
    """A product every marketplace accepts: a pair of Levi's jeans, with its photos in order."""
    return {
        "title": title,
        "description": "Classic 501, straight leg, barely worn.",
        "price": "35.00",
        "stock_quantity": 1,
        "brand": "levi-s",
        "category": "jeans",
        "size_system": "waist",
        "size": "W32",
        "colours": ["blue"],
        "condition": "very_good",
        "gender": "men",
        "images": [{"media_id": m} for m in media_ids],
    }
