"""Per-site snapshot building, without a database: category ids of the site's own mapping row, aspect
names in the site's language, values from the reference labels (English where there is none)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from catalog_service.config import Settings
from catalog_service.models import Product
from catalog_service.publications.requirements import missing, snapshot
from catalog_service.reference.catalog import BrandInfo, Mapping, ReferenceCatalog, Value
from vitrine_contracts.common import Marketplace, Money


def labels(en: str, fr: str, de: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "de": de, "it": en, "es": en}


def reference() -> ReferenceCatalog:
    ref = ReferenceCatalog()
    ref.values = {
        "category": {"jeans": Value("category", "jeans", None, 0, labels("Jeans", "Jean", "Jeans"), {})},
        "colour": {"blue": Value("colour", "blue", None, 0, labels("Blue", "Bleu", "Blau"), {})},
        "material": {
            "cotton": Value("material", "cotton", None, 0, labels("Cotton", "Coton", "Baumwolle"), {})
        },
        "gender": {"men": Value("gender", "men", None, 0, labels("Men", "Homme", "Herren"), {})},
    }
    ref.brands = {"levi-s": BrandInfo("levi-s", "Levi's", [])}
    for site, category in (
        ("EBAY_FR", "11483"),
        ("EBAY_GB", "11483"),
        ("EBAY_PL", "11483"),
        ("EBAY_DE", "99999"),
    ):
        ref.mappings[("ebay", "category", "jeans", "men", site)] = Mapping(category, {})
    ref.mappings[("ebay", "condition", "very_good", "", "")] = Mapping(
        "PRE_OWNED_EXCELLENT", {"condition_id": 2990}
    )
    return ref


def product() -> Product:
    return Product(
        id=uuid.uuid4(),
        sku="S-1",
        status="ready",
        title="Levi's 501",
        description="Straight leg.",
        price=Decimal("35.00"),
        currency="EUR",
        stock_quantity=1,
        brand="levi-s",
        category="jeans",
        size_system="waist",
        size="W32",
        colours=["blue"],
        materials=[{"material": "cotton", "percent": 100}],
        condition="very_good",
        gender="men",
        measurements_cm={},
        attributes={},
        flaws=[],
        images=[{"media_id": str(uuid.uuid4())}],
    )


@pytest.mark.parametrize(
    ("site", "aspects", "category"),
    [
        (
            "EBAY_FR",
            {
                "Marque": ["Levi's"],
                "Taille": ["W32"],
                "Couleur": ["Bleu"],
                "Matière": ["Coton"],
                "Département": ["Homme"],
            },
            "11483",
        ),
        (
            "EBAY_GB",
            {
                "Brand": ["Levi's"],
                "Size": ["W32"],
                "Colour": ["Blue"],
                "Material": ["Cotton"],
                "Department": ["Men"],
            },
            "11483",
        ),
        (
            "EBAY_DE",
            {
                "Marke": ["Levi's"],
                "Größe": ["W32"],
                "Farbe": ["Blau"],
                "Material": ["Baumwolle"],
                "Abteilung": ["Herren"],
            },
            "99999",  # the DE row's own id
        ),
        (
            # No Polish labels in the reference data: Polish names, Polish department, English values.
            "EBAY_PL",
            {
                "Marka": ["Levi's"],
                "Rozmiar": ["W32"],
                "Kolor": ["Blue"],
                "Materiał": ["Cotton"],
                "Dział": ["Mężczyźni"],
            },
            "11483",
        ),
    ],
)
def test_each_site_gets_its_ids_and_language(site: str, aspects: dict[str, list[str]], category: str) -> None:
    price = Money(amount=Decimal("34.99"), currency="GBP")
    snap = snapshot(product(), Marketplace.EBAY, reference(), Settings(), site, price)
    assert snap.mapping.category_id == category
    assert snap.mapping.aspects == aspects
    assert snap.mapping.extra["site"] == site
    assert snap.price == price


def test_without_a_site_the_configured_one_and_the_products_own_price() -> None:
    snap = snapshot(product(), Marketplace.EBAY, reference(), Settings(ebay_site="EBAY_GB"))
    assert snap.mapping.extra["site"] == "EBAY_GB"
    assert "Colour" in snap.mapping.aspects
    assert snap.price == Money(amount=Decimal("35.00"), currency="EUR")


def test_a_site_without_a_mapping_row_is_reported_naming_it() -> None:
    assert missing(product(), Marketplace.EBAY, reference(), Settings(), "EBAY_GB") == []
    problems = missing(product(), Marketplace.EBAY, reference(), Settings(), "EBAY_IT")
    assert problems == [
        {
            "marketplace": "ebay",
            "field": "category",
            "code": "unmapped",
            "message": "no ebay EBAY_IT category for jeans (men)",
            "site": "EBAY_IT",
        }
    ]
