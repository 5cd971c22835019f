"""The sandbox's whole world, in memory: sellers, tokens, policies, inventory, offers, listings, orders."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox_ebay.signing import NotificationSigner

CATEGORIES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "leaf_categories.json").read_text(encoding="utf-8")
)
CONDITIONS = {
    "NEW", "LIKE_NEW", "NEW_OTHER", "NEW_WITH_DEFECTS", "MANUFACTURER_REFURBISHED", "CERTIFIED_REFURBISHED",
    "EXCELLENT_REFURBISHED", "VERY_GOOD_REFURBISHED", "GOOD_REFURBISHED", "SELLER_REFURBISHED",
    "USED_EXCELLENT", "USED_VERY_GOOD", "USED_GOOD", "USED_ACCEPTABLE", "FOR_PARTS_OR_NOT_WORKING",
    "PRE_OWNED_EXCELLENT", "PRE_OWNED_FAIR",
}  # fmt: skip
POLICY_KINDS = ("fulfillment", "payment", "return")
# The sites the sandbox sells on: the currency every price there must be in, and the listing languages
# (Content-Language) it accepts.
SITES: dict[str, tuple[str, frozenset[str]]] = {
    "EBAY_FR": ("EUR", frozenset({"fr-FR"})),
    "EBAY_BE": ("EUR", frozenset({"fr-BE", "nl-BE"})),
    "EBAY_DE": ("EUR", frozenset({"de-DE"})),
    "EBAY_ES": ("EUR", frozenset({"es-ES"})),
    "EBAY_IT": ("EUR", frozenset({"it-IT"})),
    "EBAY_NL": ("EUR", frozenset({"nl-NL"})),
    "EBAY_AT": ("EUR", frozenset({"de-AT"})),
    "EBAY_GB": ("GBP", frozenset({"en-GB"})),
    "EBAY_PL": ("PLN", frozenset({"pl-PL"})),
    "EBAY_US": ("USD", frozenset({"en-US"})),
}
# ECB's euro reference rates the stand-in serves until set with PUT /sandbox/ecb/rates (1 EUR = rate).
ECB_RATES: dict[str, str] = {
    "USD": "1.0512", "JPY": "158.42", "CZK": "25.131", "DKK": "7.4598", "GBP": "0.8612", "HUF": "410.15",
    "PLN": "4.2810", "RON": "4.9765", "SEK": "11.512", "CHF": "0.9384",
}  # fmt: skip


def iso(ts: float | None = None) -> str:
    """eBay's timestamp format (ISO 8601, UTC, milliseconds, ``Z``)."""
    moment = datetime.fromtimestamp(ts if ts is not None else time.time(), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def digits(n: int) -> str:
    return str(secrets.randbelow(9 * 10 ** (n - 1)) + 10 ** (n - 1))


@dataclass
class Seller:
    user_id: str
    username: str
    marketplace: str = "EBAY_GB"
    programs: set[str] = field(default_factory=set)
    policies: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {k: {} for k in POLICY_KINDS}
    )
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class AccessToken:
    user_id: str | None  # None: an application token (client credentials)
    expires_at: float
    scopes: list[str]


@dataclass
class RefreshToken:
    user_id: str
    client_id: str
    expires_at: float
    scopes: list[str]
    revoked: bool = False


@dataclass
class AuthCode:
    user_id: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    expires_at: float
    used: bool = False


@dataclass
class Fault:
    """Answer ``status`` instead of the real thing, ``remaining`` times or until ``until``."""

    status: int
    remaining: int | None = None
    until: float | None = None
    path_prefix: str = "/"
    retry_after: int | None = None
    after_processing: bool = False

    def active(self, now: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return not (self.until is not None and now >= self.until)


class World:
    """Everything the sandbox knows; one lock, since uvicorn may serve from one thread only but tests poke it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.signer = NotificationSigner()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.sellers: dict[str, Seller] = {}
            self.codes: dict[str, AuthCode] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, RefreshToken] = {}
            self.offers: dict[str, dict[str, Any]] = {}
            self.offer_owner: dict[str, str] = {}
            self.listings: dict[str, dict[str, Any]] = {}
            self.orders: dict[str, dict[str, Any]] = {}
            self.faults: list[Fault] = []
            self.latency_ms = 0
            self.requests: dict[str, int] = {}
            # Every eBay call with its arrival time (tests measure when a delist reached "eBay").
            self.calls: list[dict[str, Any]] = []
            # After-sale: Post-Order cases, payment disputes, shipping fulfillments, evidence files.
            self.cancellations: dict[str, dict[str, Any]] = {}
            self.returns: dict[str, dict[str, Any]] = {}
            self.inquiries: dict[str, dict[str, Any]] = {}
            self.disputes: dict[str, dict[str, Any]] = {}
            self.fulfillments: dict[str, list[dict[str, Any]]] = {}
            self.evidence_files: dict[str, dict[str, Any]] = {}
            # Seconds added to the after-sale clock (deadlines, windows); tokens keep real time.
            self.clock_offset = 0.0
            # The ECB stand-in's rates and their day (None: today, UTC).
            self.ecb_rates: dict[str, str] = dict(ECB_RATES)
            self.ecb_date: str | None = None

    def now(self) -> float:
        """The after-sale clock: real time moved forward by ``POST /sandbox/clock``."""
        return time.time() + self.clock_offset

    def new_seller(self, username: str | None = None, marketplace: str = "EBAY_GB") -> Seller:
        with self.lock:
            user_id = secrets.token_hex(6)
            seller = Seller(user_id, username or f"sbx_seller_{user_id[:6]}", marketplace)
            self.sellers[user_id] = seller
            return seller

    def sellers_by_name(self, username: str) -> Seller:
        """The seller an order names (orders carry the seller's username, as eBay's ``sellerId``)."""
        return next(s for s in self.sellers.values() if s.username == username)

    def fault_for(self, path: str) -> Fault | None:
        """The first active fault matching ``path`` (its count is used up by one)."""
        now = time.monotonic()
        with self.lock:
            self.faults = [f for f in self.faults if f.active(now)]
            for fault in self.faults:
                if path.startswith(fault.path_prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def listing_view(self, listing: dict[str, Any]) -> dict[str, Any]:
        """A listing joined with its offer and inventory item, for tests and item pages."""
        offer = self.offers.get(listing["offerId"], {})
        seller = self.sellers.get(listing["userId"])
        item = seller.items.get(listing["sku"], {}) if seller else {}
        product = item.get("product", {})
        price = offer.get("pricingSummary", {}).get("price", {})
        return {
            **listing,
            "title": product.get("title"),
            "description": product.get("description"),
            "imageUrls": product.get("imageUrls", []),
            "aspects": product.get("aspects", {}),
            "condition": item.get("condition"),
            "categoryId": offer.get("categoryId"),
            "price": price.get("value"),
            "currency": price.get("currency"),
            "marketplaceId": offer.get("marketplaceId"),
            "locale": item.get("locale"),
            "availableQuantity": offer.get("availableQuantity"),
            "sellerUsername": seller.username if seller else None,
        }
