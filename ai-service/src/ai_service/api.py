"""The routers of ai-service (own paths; the gateway serves them under ``/api/ai``)."""

from fastapi import APIRouter

from ai_service.analyses.endpoints import router as analyses

routers: list[APIRouter] = [analyses]
