"""marketplace-etsy's scope: the kit's ``Scope`` over ``EtsyContext``, for requests and consumed events."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import context_of, request_scope

from marketplace_etsy.context import EtsyContext

Scope = KitScope[EtsyContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
# The context alone, for the public OAuth callback (no token, so no tenant scope).
Context = Annotated[EtsyContext, Depends(context_of)]
