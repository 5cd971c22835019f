"""The routers of marketplace-vinted (own paths; the gateway serves them under ``/api/marketplaces/vinted``)."""

from fastapi import APIRouter

from marketplace_vinted.accounts.endpoints import router as accounts
from marketplace_vinted.alerts.endpoints import router as alerts
from marketplace_vinted.imports.endpoints import router as imports
from marketplace_vinted.jobs.endpoints import router as jobs
from marketplace_vinted.listings.endpoints import router as listings
from marketplace_vinted.reference.endpoints import router as reference
from marketplace_vinted.sync.endpoints import router as sync

routers: list[APIRouter] = [accounts, jobs, listings, sync, imports, reference, alerts]
