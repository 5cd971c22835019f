"""FastAPI dependencies of marketplace-ebay, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request

from marketplace_ebay.context import EbayContext


def _context(request: Request) -> EbayContext:
    context: EbayContext = request.app.state.runtime.extras["ebay"]
    return context


Ebay = Annotated[EbayContext, Depends(_context)]
AccountID = Annotated[uuid.UUID, Path(description="The eBay account's id in Vitrine")]
