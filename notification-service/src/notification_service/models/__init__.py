"""SQLAlchemy models: the mail queue and the schedule in ``shared``; the feed and its settings per tenant."""

from notification_service.models.base import SharedBase, TenantBase
from notification_service.models.shared import Mail, MailStatus, Scheduled, Task
from notification_service.models.tenant import (
    Delivery,
    DigestEntry,
    FeedCounter,
    FeedItem,
    ImportRun,
    MailSettings,
    Preference,
    ProductTitle,
    Recipient,
    Unsubscription,
)

__all__ = [
    "Delivery",
    "DigestEntry",
    "FeedCounter",
    "FeedItem",
    "ImportRun",
    "Mail",
    "MailSettings",
    "MailStatus",
    "Preference",
    "ProductTitle",
    "Recipient",
    "Scheduled",
    "SharedBase",
    "Task",
    "TenantBase",
    "Unsubscription",
]
