"""``/preferences``: which kinds the account's owners get by e-mail, and when the digest goes out."""

from __future__ import annotations

from fastapi import APIRouter

from notification_service.preferences.schemas import Preferences, PreferencesIn
from notification_service.preferences.service import preference_service
from notification_service.scope import RequestScope

router = APIRouter(prefix="/preferences", tags=["preferences"])


@router.get("")
async def get_preferences(scope: RequestScope) -> Preferences:
    """Every kind that can be e-mailed, with its setting (defaults: urgent kinds at once, others never)."""
    return await preference_service.get(scope)


@router.put("")
async def put_preferences(scope: RequestScope, change: PreferencesIn) -> Preferences:
    """Change some kinds (the others keep theirs) and the digest's hour or time zone."""
    return await preference_service.put(scope, change)
