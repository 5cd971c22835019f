"""The states marketplace-vinted's rows move through."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """A job's place in the queue."""

    QUEUED = "queued"  # waiting for a plugin, the pacing or its not_before
    DISPATCHED = "dispatched"  # handed to a plugin; back to queued when its lease runs out
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the plugin's failure, or a result Vitrine could not read
    CANCELED = "canceled"  # no longer wanted before it went out (a publish of an item sold elsewhere)


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED})
ACTIVE = frozenset({JobStatus.QUEUED, JobStatus.DISPATCHED})


class ListingStatus(StrEnum):
    """A Vinted item of the seller's, as Vitrine knows it."""

    PUBLISHING = "publishing"
    LINKING = "linking"  # linked by the seller; the plugin is checking the item
    LIVE = "live"
    SOLD = "sold"
    DELETED = "deleted"  # by the seller, on Vinted
    DELISTED = "delisted"  # by Vitrine
    FAILED = "failed"


class ListingOrigin(StrEnum):
    PUBLISHED = "published"  # listed by Vitrine for a catalog publication
    LINKED = "linked"  # already on Vinted, linked to a product by the seller


class AlertKind(StrEnum):
    SESSION_EXPIRED = "session_expired"
    DELIST_WAITING_FOR_PLUGIN = "delist_waiting_for_plugin"
    LINK_FAILED = "link_failed"
    PLAN_LIMIT = "plan_limit"
