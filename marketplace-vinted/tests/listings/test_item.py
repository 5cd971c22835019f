"""A product as Vinted's write body (moved from test_jobs.py; the body is now the contract's ``ItemBody``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from marketplace_vinted.listings.item import ListingRuleError, vinted_item
from vitrine_contracts.catalog import ImageRef, MarketplaceMapping, ProductSnapshot
from vitrine_contracts.common import Money

pytestmark = pytest.mark.unit


def snapshot(**over) -> ProductSnapshot:
    values = {
        "product_id": uuid.uuid4(),
        "sku": "S1",
        "title": "Levi's 501   jeans",
        "description": "d",
        "price": Money(amount=Decimal("27.90"), currency="EUR"),
        "quantity": 1,
        "images": [ImageRef(media_id=uuid.uuid4(), url="http://x/1.jpg")],
        "mapping": MarketplaceMapping(
            category_id="1206",
            condition_id="2",
            extra={"color_ids": [1, 2, 3], "size_id": 206, "brand_id": 53},
        ),
    }
    return ProductSnapshot(**(values | over))


class TestVintedItem:
    def test_maps_attributes_and_applies_rules(self) -> None:
        item = vinted_item(snapshot()).model_dump()
        assert item["title"] == "Levi's 501 jeans"
        assert item["price"] == 27.9
        assert item["color_ids"] == [1, 2]
        assert item["status_id"] == 2
        assert item["size_id"] == 206
        assert {"code": "size", "ids": [206]} in item["item_attributes"]

    def test_refuses_what_vinted_refuses(self) -> None:
        with pytest.raises(ListingRuleError, match="price"):
            vinted_item(snapshot(price=Money(amount=Decimal("0.5"), currency="EUR")))
        with pytest.raises(ListingRuleError, match="images"):
            vinted_item(snapshot(images=[]))

    def test_the_body_keeps_vinted_s_other_fields(self) -> None:
        item = vinted_item(snapshot()).model_dump(mode="json")
        assert item["shipment_prices"] == {"domestic": None, "international": None}
        assert item["is_unisex"] is False
