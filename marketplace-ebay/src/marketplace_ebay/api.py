"""The routers of marketplace-ebay (own paths; the gateway serves them under ``/api/marketplaces/ebay``)."""

from fastapi import APIRouter

from marketplace_ebay.accounts.endpoints import router as accounts
from marketplace_ebay.accounts.internal import router as internal
from marketplace_ebay.after_sale.endpoints import router as after_sale
from marketplace_ebay.imports.endpoints import router as imports
from marketplace_ebay.notifications.endpoints import router as notifications
from marketplace_ebay.publications.endpoints import router as listings
from marketplace_ebay.taxonomy.endpoints import router as categories

routers: list[APIRouter] = [accounts, after_sale, categories, imports, internal, listings, notifications]
