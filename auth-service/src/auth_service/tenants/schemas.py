"""Request and response bodies of members, invitations and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field, field_validator
from vitrine_kit.pagination import Page

from auth_service.models import Role


class InvitationIn(BaseModel):
    email: EmailStr
    role: Role = Role.MEMBER

    @field_validator("email")
    @classmethod
    def lowercase(cls, value: str) -> str:
        return value.strip().lower()


class InvitationOut(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime


class AcceptIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class AcceptedInvitation(BaseModel):
    tenant_id: uuid.UUID
    role: str


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    role: str
    joined_at: datetime


class MemberPage(Page[MemberOut]):
    """Members, the earliest to join first (then by user id); ``next_cursor`` pages to later ones."""


class RoleIn(BaseModel):
    role: Role


class AuditEntryOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    action: str
    subject: str | None
    details: dict[str, Any]


class AuditEntryPage(Page[AuditEntryOut]):
    """Audit entries, the latest first; ``next_cursor`` pages to older ones."""
