"""The routers of catalog-service (own paths; the gateway serves them under ``/api/catalog``)."""

from fastapi import APIRouter

from catalog_service.alerts.endpoints import router as alerts
from catalog_service.dashboard.endpoints import router as dashboard
from catalog_service.imports.endpoints import router as imports
from catalog_service.pricing.endpoints import router as pricing
from catalog_service.products.endpoints import router as products
from catalog_service.publications.endpoints import defaults_router as publish_defaults
from catalog_service.publications.endpoints import router as publications
from catalog_service.quotas.endpoints import router as quota
from catalog_service.reference.endpoints import internal_router as reference_curation
from catalog_service.reference.endpoints import router as reference
from catalog_service.sales.endpoints import router as sales
from catalog_service.suggestions.endpoints import router as suggestions
from catalog_service.transfer.endpoints import router as transfer

routers: list[APIRouter] = [
    transfer,
    imports,
    products,
    publications,
    publish_defaults,
    pricing,
    suggestions,
    sales,
    alerts,
    quota,
    reference,
    reference_curation,
    dashboard,
]
