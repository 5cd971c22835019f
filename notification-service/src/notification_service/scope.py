"""notification-service's scope: the kit's ``Scope`` over ``NotifyContext``, for requests and events alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from notification_service.context import NotifyContext

Scope = KitScope[NotifyContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
