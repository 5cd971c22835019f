"""billing's scope: the kit's ``Scope`` over ``BillingContext``, for requests and consumed events alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from billing_service.context import BillingContext

Scope = KitScope[BillingContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
