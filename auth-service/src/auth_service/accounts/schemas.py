"""Request and response bodies of the account endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field, ValidationInfo, field_validator

from auth_service.profiles.schemas import Language

Password = Field(min_length=10, max_length=1024)


class RegisterIn(BaseModel):
    email: EmailStr
    password: str = Password
    tenant_name: str | None = Field(default=None, min_length=1, max_length=200)
    language: Language = Field(default=Language.EN, description="Of AI texts and mails (e.g. the browser's).")

    @field_validator("email")
    @classmethod
    def lowercase(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("password")
    @classmethod
    def not_the_email(cls, value: str, info: ValidationInfo) -> str:
        email = info.data.get("email")
        if email and value.strip().lower() == email:
            raise ValueError("the password must not be the e-mail address")
        return value


class RegisterOut(BaseModel):
    """The same answer whether the address is new or already has an account (the mail tells which)."""

    email: str
    status: str = "check-your-mailbox"


class TenantMembership(BaseModel):
    id: uuid.UUID
    name: str
    role: str


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    email_verified: bool
    created_at: datetime
    current_tenant_id: uuid.UUID
    roles: list[str]
    tenants: list[TenantMembership]


class ChangePasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Password


class DeleteAccountIn(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class EmailIn(BaseModel):
    email: EmailStr

    @field_validator("email")
    @classmethod
    def lowercase(cls, value: str) -> str:
        return value.strip().lower()


class ResetConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Password


class Accepted(BaseModel):
    status: str = "accepted"
