"""marketplace-ebay's scope: the kit's ``Scope`` over ``EbayContext``, for requests and consumed events."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from marketplace_ebay.context import EbayContext

Scope = KitScope[EbayContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
