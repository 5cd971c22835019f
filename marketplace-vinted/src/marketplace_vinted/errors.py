"""marketplace-vinted's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, TooManyRequests


class ItemLinkedElsewhere(Conflict):
    code, title = "vinted-item-linked-elsewhere", "This Vinted item is already linked to another product"


class ProductOnVintedAlready(Conflict):
    code, title = "vinted-product-listed-already", "This product already has another item on Vinted"


class ReferenceFetchUnderWay(Conflict):
    code, title = "vinted-reference-under-way", "A fetch of this reference list is still under way"


class ReferenceCooldown(TooManyRequests):
    code, title = "vinted-reference-cooldown", "This reference list was fetched a short while ago"
