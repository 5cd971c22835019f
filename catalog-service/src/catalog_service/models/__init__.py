"""SQLAlchemy models: reference data in ``shared``; products and their life per tenant."""

from catalog_service.models.base import SharedBase, TenantBase
from catalog_service.models.catalog import Alert, Order, Product, Publication, Quota
from catalog_service.models.reference import Brand, MarketplaceMappingRow, ReferenceValue

__all__ = [
    "Alert",
    "Brand",
    "MarketplaceMappingRow",
    "Order",
    "Product",
    "Publication",
    "Quota",
    "ReferenceValue",
    "SharedBase",
    "TenantBase",
]
