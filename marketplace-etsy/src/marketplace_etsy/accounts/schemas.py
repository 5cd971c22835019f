"""Request and response bodies of the account endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from marketplace_etsy.models import AccountStatus


class ConnectOut(BaseModel):
    authorize_url: str = Field(description="Etsy's consent page; send the seller's browser there")
    expires_in: int = Field(description="Seconds the link stays valid")


class AccountOut(BaseModel):
    id: uuid.UUID
    etsy_user_id: int
    shop_id: int | None
    shop_name: str | None
    shop_url: str | None
    currency: str | None
    country: str | None
    status: AccountStatus
    connected_at: datetime


class SetupItemKind(StrEnum):
    SHOP = "shop"
    SHIPPING_PROFILE = "shipping_profile"
    PROCESSING_PROFILE = "processing_profile"
    RETURN_POLICY = "return_policy"


class SetupItem(BaseModel):
    item: SetupItemKind
    ok: bool
    required: bool = Field(description="Whether Etsy refuses to activate a listing without it")
    detail: str | None = Field(default=None, description="What Vitrine will use, when found")
    fix: str | None = Field(default=None, description="How to fix it on Etsy, when missing")


class SetupOut(BaseModel):
    account_id: uuid.UUID
    ready: bool = Field(description="Every required item is there: listings can be published")
    checklist: list[SetupItem]
