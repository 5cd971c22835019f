"""Events of auth-service: tenants and users."""

from __future__ import annotations

import uuid

from pydantic import EmailStr, Field

from vitrine_contracts.envelope import Event


class TenantCreated(Event):
    """A seller account was created; every service with tenant data provisions its schema."""

    event_type = "tenant.created"
    tenant_id: uuid.UUID
    owner_user_id: uuid.UUID
    name: str = Field(max_length=200)
    plan: str = Field(default="free", description="The plan the tenant starts on.")


class TenantDeleted(Event):
    """A seller account was deleted; every service drops the tenant's data."""

    event_type = "tenant.deleted"
    tenant_id: uuid.UUID


class UserRegistered(Event):
    """A user registered (with the tenant they own)."""

    event_type = "user.registered"
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: EmailStr


class UserLanguageChanged(Event):
    """A user chose another language: the default of the AI texts they start and of the mails they get.

    Emitted once per seller account the user belongs to, so each service keeps it with the tenant's data.
    """

    event_type = "user.language_changed"
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    language: str = Field(description="The language's ISO 639-1 code: fr, en, de, it or es.")


class UserDeleted(Event):
    """A user deleted their account."""

    event_type = "user.deleted"
    user_id: uuid.UUID


class MemberAdded(Event):
    """A user joined a tenant (accepted an invitation)."""

    event_type = "tenant.member_added"
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    email: EmailStr | None = Field(
        default=None, description="The member's e-mail (notification-service mails owners there)"
    )


class MemberRoleChanged(Event):
    """A member's role in a tenant changed (e.g. made owner, or owner no more)."""

    event_type = "tenant.member_role_changed"
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    email: EmailStr | None = Field(default=None, description="The member's e-mail")


class MemberRemoved(Event):
    """A user was removed from a tenant."""

    event_type = "tenant.member_removed"
    tenant_id: uuid.UUID
    user_id: uuid.UUID


class PluginPaired(Event):
    """A browser plugin traded a pairing code for a plugin token."""

    event_type = "plugin.paired"
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    name: str


class PluginRevoked(Event):
    """A plugin token was revoked by the seller; the relay drops its socket."""

    event_type = "plugin.revoked"
    tenant_id: uuid.UUID
    device_id: uuid.UUID
