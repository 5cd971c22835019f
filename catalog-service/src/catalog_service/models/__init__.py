"""SQLAlchemy models: reference data in ``shared``; products and their life per tenant."""

from catalog_service.models.base import SharedBase, TenantBase
from catalog_service.models.catalog import (
    Alert,
    ImportedItem,
    ListingImport,
    Order,
    Product,
    Publication,
    Quota,
)
from catalog_service.models.reference import Brand, MarketplaceMappingRow, ReferenceValue
from catalog_service.models.schedule import RevisionDue
from catalog_service.models.suggestions import FieldSource, ProductAnalysis, Suggestion

__all__ = [
    "Alert",
    "Brand",
    "FieldSource",
    "ImportedItem",
    "ListingImport",
    "MarketplaceMappingRow",
    "Order",
    "Product",
    "ProductAnalysis",
    "Publication",
    "Quota",
    "ReferenceValue",
    "RevisionDue",
    "SharedBase",
    "Suggestion",
    "TenantBase",
]
