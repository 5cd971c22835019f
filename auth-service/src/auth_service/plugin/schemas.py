"""Request and response bodies of plugin pairing."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from vitrine_kit.pagination import Page


class PairingCodeOut(BaseModel):
    code: str
    expires_at: datetime


class PairIn(BaseModel):
    code: str = Field(min_length=6, max_length=20)
    device_name: str = Field(min_length=1, max_length=100)


class PluginTokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    device_id: uuid.UUID
    tenant_id: uuid.UUID


class DeviceOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class DevicePage(Page[DeviceOut]):
    """Devices, the latest paired first (then by id), revoked ones too; ``next_cursor`` pages to older ones."""


class DeviceStatusOut(BaseModel):
    device_id: uuid.UUID
    tenant_id: uuid.UUID
    active: bool
