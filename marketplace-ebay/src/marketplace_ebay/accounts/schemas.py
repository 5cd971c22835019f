"""Request and response bodies of the accounts endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class ConnectIn(BaseModel):
    site: str | None = Field(default=None, description="EBAY_FR, EBAY_GB, EBAY_DE…; default from settings")


class ConnectOut(BaseModel):
    authorize_url: str
    expires_in: int


class AccountOut(BaseModel):
    id: uuid.UUID
    site: str
    ebay_user_id: str
    ebay_username: str | None
    status: str
    connected_at: datetime


class SetupItem(BaseModel):
    item: str
    ok: bool
    detail: str | None = None


class SetupOut(BaseModel):
    account_id: uuid.UUID
    ready: bool
    checklist: list[SetupItem]


class AddressIn(BaseModel):
    country: str = Field(pattern=r"^[A-Z]{2}$")
    postal_code: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    address_line1: str | None = None


class SetupIn(BaseModel):
    """Guided setup: defaults for policies; the seller's shipping-from address for the location."""

    address: AddressIn | None = None
    return_days: int = Field(default=30, ge=14, le=60)
    handling_days: int = Field(default=3, ge=0, le=30)
