"""FastAPI dependencies of marketplace-ebay, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path
from vitrine_kit.scope import context_of

from marketplace_ebay.context import EbayContext

Ebay = Annotated[EbayContext, Depends(context_of)]
AccountID = Annotated[uuid.UUID, Path(description="The eBay account's id in Vitrine")]
