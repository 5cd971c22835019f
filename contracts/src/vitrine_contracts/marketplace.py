"""Events of the marketplace adapters about the seller's accounts."""

from __future__ import annotations

import uuid

from vitrine_contracts.common import Marketplace
from vitrine_contracts.envelope import Event


class AccountConnected(Event):
    event_type = "marketplace.account.connected"
    marketplace: Marketplace
    account_id: uuid.UUID
    display_name: str | None = None
    site: str | None = None


class AccountDisconnected(Event):
    event_type = "marketplace.account.disconnected"
    marketplace: Marketplace
    account_id: uuid.UUID
    reason: str | None = None


class AccountSessionExpired(Event):
    """The account can no longer act (revoked token, Vinted session expired); the seller must reconnect."""

    event_type = "marketplace.account.session_expired"
    marketplace: Marketplace
    account_id: uuid.UUID
    live_listings: int = 0
