"""The routers of marketplace-etsy (own paths; the gateway serves them under ``/api/marketplaces/etsy``)."""

from fastapi import APIRouter

from marketplace_etsy.accounts.endpoints import router as account
from marketplace_etsy.imports.endpoints import router as imports
from marketplace_etsy.publications.endpoints import router as listings

routers: list[APIRouter] = [account, imports, listings]
