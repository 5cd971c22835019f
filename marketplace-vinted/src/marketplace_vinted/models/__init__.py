"""Tables of marketplace-vinted: a dispatch index and replica map (shared) and, per tenant, the account,
devices, jobs, listings, sales seen and alerts."""

from marketplace_vinted.models.account import Alert, PluginDevice, VintedAccount
from marketplace_vinted.models.base import SharedBase, TenantBase
from marketplace_vinted.models.enums import (
    ACTIVE,
    FINISHED,
    AlertKind,
    JobStatus,
    ListingOrigin,
    ListingStatus,
)
from marketplace_vinted.models.jobs import Job, JobContext, ReferenceAsk
from marketplace_vinted.models.listings import Listing, SeenOrder
from marketplace_vinted.models.shared import DispatchTenant, ReferenceRefresh, RelayDevice, RelayReplica

__all__ = [
    "ACTIVE",
    "FINISHED",
    "Alert",
    "AlertKind",
    "DispatchTenant",
    "Job",
    "JobContext",
    "JobStatus",
    "Listing",
    "ListingOrigin",
    "ListingStatus",
    "PluginDevice",
    "ReferenceAsk",
    "ReferenceRefresh",
    "RelayDevice",
    "RelayReplica",
    "SeenOrder",
    "SharedBase",
    "TenantBase",
    "VintedAccount",
]
