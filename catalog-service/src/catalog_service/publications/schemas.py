"""Publications as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from vitrine_contracts.common import Marketplace


class PublishIn(BaseModel):
    marketplaces: list[Marketplace] = Field(min_length=1, max_length=3)


class PublicationOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    marketplace: str
    status: str
    external_id: str | None
    url: str | None
    reason: str | None
    reason_code: str | None
    retryable: bool | None
    requested_at: datetime
    listed_at: datetime | None
    delisted_at: datetime | None
    updated_at: datetime
