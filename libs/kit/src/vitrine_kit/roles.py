"""Who may do what in a seller account: the roles, the capabilities, the matrix, and ``require``.

The matrix is data (``MATRIX``), written out for people in ``docs/roles.md``. An endpoint states the
capability it needs in one line, on its route (``dependencies=needs(Capability.CATALOG_DELETE)``) or as a
parameter (``_: Annotated[Principal, Depends(require(Capability.CATALOG_DELETE))]``). Roles come from the
user's access token, at most 15 minutes old and refused within seconds of a role change; auth-service
reads them from the database for team changes. Without any of this, a role that only reads (viewer) is
refused every unsafe method by ``TenantPrincipal``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from enum import StrEnum
from typing import Any

from fastapi import Depends
from fastapi.params import Depends as DependsParam

from vitrine_kit.auth.deps import TenantPrincipal
from vitrine_kit.auth.principal import Principal
from vitrine_kit.errors import Forbidden


class Role(StrEnum):
    """A member's role in a seller account."""

    OWNER = "owner"  # everything, including the owner role itself and closing the account
    ADMIN = "admin"  # runs the shop: team, marketplaces, billing, exports, deletes
    MEMBER = "member"  # staff: lists, edits and publishes items, runs AI analyses
    VIEWER = "viewer"  # read-only: support or an accountant


class Capability(StrEnum):
    """Something a role may do; each endpoint that changes or reveals much names one."""

    CATALOG_READ = "catalog.read"  # products, photos, publications, orders, alerts, reference data
    CATALOG_WRITE = "catalog.write"  # create and edit products, upload photos, import from a marketplace
    CATALOG_DELETE = "catalog.delete"  # delete products and photos
    CATALOG_EXPORT = "catalog.export"  # the whole catalog as CSV
    REFERENCE_REVIEW = "reference.review"  # withdraw a typed brand from review (curators accept)
    LISTINGS_PUBLISH = "listings.publish"  # publish, revise, delist, retry on marketplaces
    MARKETPLACES_READ = "marketplaces.read"  # connected accounts, their setup and listings
    MARKETPLACES_CONNECT = "marketplaces.connect"  # connect, disconnect, set up, pacing
    BILLING_READ = "billing.read"  # plan, credits, invoices
    BILLING_MANAGE = "billing.manage"  # checkout, the billing portal
    AI_ANALYSE = "ai.analyse"  # start an analysis (spends credits)
    TEAM_READ = "team.read"  # the members and their roles
    TEAM_MANAGE = "team.manage"  # invite, change roles, remove members (not owners)
    TEAM_OWNERS = "team.owners"  # grant, change or remove the owner role
    AUDIT_READ = "audit.read"  # the tenant's audit log
    PLUGIN_PAIR = "plugin.pair"  # pair a browser plugin, revoke the devices one paired
    PLUGIN_MANAGE = "plugin.manage"  # revoke any device of the account


_READS = frozenset(
    {
        Capability.CATALOG_READ,
        Capability.MARKETPLACES_READ,
        Capability.BILLING_READ,
        Capability.TEAM_READ,
    }
)
_STAFF = _READS | {
    Capability.CATALOG_WRITE,
    Capability.LISTINGS_PUBLISH,
    Capability.AI_ANALYSE,
    Capability.PLUGIN_PAIR,
}
_ADMIN = _STAFF | {
    Capability.CATALOG_DELETE,
    Capability.CATALOG_EXPORT,
    Capability.REFERENCE_REVIEW,
    Capability.MARKETPLACES_CONNECT,
    Capability.BILLING_MANAGE,
    Capability.TEAM_MANAGE,
    Capability.AUDIT_READ,
    Capability.PLUGIN_MANAGE,
}

MATRIX: Mapping[Role, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.ADMIN: frozenset(_ADMIN),
    Role.MEMBER: frozenset(_STAFF),
    Role.VIEWER: _READS,
}
# Capabilities that only read: a role holding nothing else may call no unsafe method (kit default).
READ_CAPABILITIES = _READS


def capabilities_of(roles: Iterable[str]) -> frozenset[Capability]:
    """Everything ``roles`` allow together (an unknown role allows nothing)."""
    allowed: set[Capability] = set()
    for role in roles:
        if role in Role.__members__.values():
            allowed |= MATRIX[Role(role)]
    return frozenset(allowed)


def allows(roles: Iterable[str], capability: Capability) -> bool:
    """Whether ``roles`` grant ``capability``."""
    return capability in capabilities_of(roles)


def may_change_anything(roles: Iterable[str]) -> bool:
    """Whether ``roles`` grant anything beyond reading."""
    return bool(capabilities_of(roles) - READ_CAPABILITIES)


class CapabilityMissing(Forbidden):
    code, title = "capability-missing", "Your role in this seller account does not allow this"


def check(roles: Iterable[str], capability: Capability) -> None:
    """Raise ``CapabilityMissing`` (403) unless ``roles`` grant ``capability``."""
    if not allows(roles, capability):
        raise CapabilityMissing(
            f"This needs the permission '{capability.value}'.", capability=capability.value
        )


def require(capability: Capability) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: a user of the tenant whose role grants ``capability`` (403 ``capability-missing``)."""

    async def dependency(principal: TenantPrincipal) -> Principal:
        check(principal.roles, capability)
        return principal

    dependency.capability = capability  # type: ignore[attr-defined]  # read by the roles-table check
    return dependency


def needs(*capabilities: Capability) -> list[DependsParam]:
    """A route's ``dependencies``: the caller's role must grant every one of ``capabilities``."""
    return [Depends(require(capability)) for capability in capabilities]
