"""``/unsubscribe``: the link at the bottom of every e-mail, without logging in.

``GET`` only asks (mail scanners open links on their own); ``POST`` unsubscribes — the page's button, and
mail clients' one-click unsubscribe (RFC 8058, ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from notification_service.deps import Link, LinkScope, Token
from notification_service.mail import pages
from notification_service.recipients.service import recipient_service

router = APIRouter(prefix="/unsubscribe", tags=["unsubscribe"])


@router.get("", response_class=HTMLResponse)
async def confirm(scope: LinkScope, link: Link, token: Token) -> HTMLResponse:
    """A page that asks to confirm (the link is checked first: a forged one is refused), in the recipient's
    language."""
    language = await recipient_service.language(scope, link.user_id)
    return HTMLResponse(pages.confirm(link.topic, token, language))


@router.post("", response_class=HTMLResponse)
async def unsubscribe(scope: LinkScope, link: Link) -> HTMLResponse:
    """Stop the link's topic for its recipient (idempotent)."""
    await recipient_service.unsubscribe(scope, link.user_id, link.topic)
    language = await recipient_service.language(scope, link.user_id)
    return HTMLResponse(pages.done(link.topic, language))
