"""The routers of notification-service (own paths; the gateway serves them under ``/api/notifications``)."""

from fastapi import APIRouter

from notification_service.feed.endpoints import router as feed
from notification_service.mail.endpoints import router as unsubscribe
from notification_service.preferences.endpoints import router as preferences

routers: list[APIRouter] = [feed, preferences, unsubscribe]
