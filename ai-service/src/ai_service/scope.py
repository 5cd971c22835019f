"""ai-service's scope: the kit's ``Scope`` over ``AiContext``, for requests, events and the worker alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from ai_service.context import AiContext

Scope = KitScope[AiContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
