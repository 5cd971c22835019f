"""A feed item before it has an id: what an event (or a loop) has to say to the seller."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vitrine_contracts.common import Marketplace
from vitrine_contracts.notifications import URGENT_KINDS, FeedKind

TEXT_MAX = 500
MARKETPLACE_NAMES = {Marketplace.EBAY: "eBay", Marketplace.ETSY: "Etsy", Marketplace.VINTED: "Vinted"}


def name(marketplace: Marketplace) -> str:
    """The marketplace as sellers write it."""
    return MARKETPLACE_NAMES.get(marketplace, marketplace.value)


@dataclass(frozen=True)
class Draft:
    """``event_id`` makes the item once per event: a second draft of the same event is not stored."""

    kind: FeedKind
    text: str
    occurred_at: datetime
    event_id: uuid.UUID
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.text) > TEXT_MAX:
            object.__setattr__(self, "text", self.text[: TEXT_MAX - 1] + "…")

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT_KINDS
