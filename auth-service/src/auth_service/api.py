"""The routers of auth-service (own paths; the gateway serves them under ``/api/auth``)."""

from fastapi import APIRouter

from auth_service.accounts.endpoints import router as accounts
from auth_service.clients.endpoints import router as clients
from auth_service.keys.endpoints import router as keys
from auth_service.plugin.endpoints import router as plugin
from auth_service.profiles.endpoints import router as profiles
from auth_service.revocations.endpoints import router as revocations
from auth_service.sessions.endpoints import router as sessions
from auth_service.tenants.endpoints import router as tenants

routers: list[APIRouter] = [accounts, profiles, sessions, tenants, plugin, clients, keys, revocations]
