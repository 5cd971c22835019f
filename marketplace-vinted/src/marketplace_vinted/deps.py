"""FastAPI parameters of marketplace-vinted, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from vitrine_contracts.relay.v1 import ReferenceKind

from marketplace_vinted.models import JobStatus

VintedItemID = Annotated[int, Path(ge=1, le=2**63 - 1, description="The item's id on Vinted")]
ReferenceWhat = Annotated[ReferenceKind, Path(description="Which reference data")]
CatalogID = Annotated[int | None, Query(ge=1, description="The Vinted catalog (category) it is for")]
Keyword = Annotated[str | None, Query(max_length=100, description="brands: a search word")]
StatusFilter = Annotated[JobStatus | None, Query(description="Only the jobs in this state")]
