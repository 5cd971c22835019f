"""Alerts as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from vitrine_kit.pagination import Page

from marketplace_vinted.models import AlertKind


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AlertKind
    message: str
    subject: str | None
    created_at: datetime


class AlertPage(Page[AlertOut]):
    """Open alerts, newest first (then by id); ``next_cursor`` pages to older ones."""
