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
from catalog_service.models.dashboard import AiCreditsSpent, FirstListing, OrderTally, SalesDay
from catalog_service.models.pricing import (
    EcbRate,
    MarketplaceAccount,
    PriceRule,
    PublishDefaults,
    RateOverride,
)
from catalog_service.models.reference import (
    Brand,
    MarketplaceMappingRow,
    PendingBrand,
    ReferenceRevision,
    ReferenceValue,
    VintedReferenceFetch,
    VintedReferencePartSeen,
)
from catalog_service.models.schedule import RevisionDue
from catalog_service.models.suggestions import FieldSource, ProductAnalysis, Suggestion

__all__ = [
    "AiCreditsSpent",
    "Alert",
    "Brand",
    "EcbRate",
    "FieldSource",
    "FirstListing",
    "ImportedItem",
    "ListingImport",
    "MarketplaceAccount",
    "MarketplaceMappingRow",
    "Order",
    "OrderTally",
    "PendingBrand",
    "PriceRule",
    "Product",
    "ProductAnalysis",
    "Publication",
    "PublishDefaults",
    "Quota",
    "RateOverride",
    "ReferenceRevision",
    "ReferenceValue",
    "RevisionDue",
    "SalesDay",
    "SharedBase",
    "Suggestion",
    "TenantBase",
    "VintedReferenceFetch",
    "VintedReferencePartSeen",
]
