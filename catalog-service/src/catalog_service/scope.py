"""catalog's scope: the kit's ``Scope`` over ``CatalogContext``, for requests and consumed events alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from vitrine_kit.scope import Scope as KitScope
from vitrine_kit.scope import request_scope

from catalog_service.context import CatalogContext

Scope = KitScope[CatalogContext]
RequestScope = Annotated[Scope, Depends(request_scope)]
