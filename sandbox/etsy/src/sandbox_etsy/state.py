"""The sandbox's whole world, in memory: sellers and shops, tokens, listings, images, receipts, limits."""

from __future__ import annotations

import math
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

EU = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip
SCOPES = {
    "address_r", "address_w", "billing_r", "cart_r", "cart_w", "email_r", "favorites_r", "favorites_w",
    "feedback_r", "listings_d", "listings_r", "listings_w", "profile_r", "profile_w", "recommend_r",
    "recommend_w", "shops_r", "shops_w", "transactions_r", "transactions_w",
}  # fmt: skip


def now() -> int:
    """Etsy's timestamps: epoch seconds."""
    return int(time.time())


def money(amount: float, currency: str) -> dict[str, Any]:
    """Etsy's ``Money``: an integer amount over a divisor."""
    return {"amount": round(amount * 100), "divisor": 100, "currency_code": currency}


def money_value(value: dict[str, Any]) -> float:
    return float(value["amount"]) / float(value["divisor"] or 1)


@dataclass
class Seller:
    """An Etsy member with a shop; the shop carries its shipping, processing and return profiles."""

    user_id: int
    shop_id: int
    login_name: str
    shop_name: str
    email: str
    country: str
    currency: str
    created: int
    shipping_profiles: dict[int, dict[str, Any]] = field(default_factory=dict)
    readiness: dict[int, dict[str, Any]] = field(default_factory=dict)
    return_policies: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class AuthCode:
    user_id: int
    client_id: str
    redirect_uri: str
    scopes: list[str]
    challenge: str
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    user_id: int
    client_id: str
    scopes: list[str]
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshToken:
    user_id: int
    client_id: str
    scopes: list[str]
    expires_at: float
    used: bool = False  # rotated: a newer refresh token replaced it
    revoked: bool = False


@dataclass
class Fault:
    """Answer ``status`` instead of the real thing, ``remaining`` times or until ``until``."""

    status: int
    remaining: int | None = None
    until: float | None = None
    path_prefix: str = "/"
    retry_after: int | None = None
    after_processing: bool = False

    def active(self, at: float) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        return not (self.until is not None and at >= self.until)


BUCKET_S = 60
REQUEST_LOG = 10_000  # the request log keeps the latest calls
DAY_S = 86_400


class RateLimiter:
    """Per-app queries per second (one-second windows) and per day (a 24 h sliding window of buckets)."""

    def __init__(self, per_second: int, per_day: int) -> None:
        self.per_second, self.per_day = per_second, per_day
        self.second = -1
        self.second_count = 0
        self.buckets: deque[list[int]] = deque()  # [bucket start, count], oldest first

    def _day_count(self, at: float) -> int:
        while self.buckets and self.buckets[0][0] + DAY_S <= at:
            self.buckets.popleft()
        return sum(count for _, count in self.buckets)

    def hit(self, at: float) -> tuple[int | None, dict[str, str]]:
        """Count one request: ``(retry_after, headers)``, ``retry_after`` set when it must be refused."""
        second = math.floor(at)
        if second != self.second:
            self.second, self.second_count = second, 0
        day = self._day_count(at)
        if self.second_count >= self.per_second:
            return 1, {}
        if day >= self.per_day:
            oldest = self.buckets[0][0] if self.buckets else second
            return max(1, math.ceil(oldest + DAY_S - at)), {}
        self.second_count += 1
        start = second - second % BUCKET_S
        if self.buckets and self.buckets[-1][0] == start:
            self.buckets[-1][1] += 1
        else:
            self.buckets.append([start, 1])
        return None, {
            "x-limit-per-second": str(self.per_second),
            "x-remaining-this-second": str(max(0, self.per_second - self.second_count)),
            "x-limit-per-day": str(self.per_day),
            "x-remaining-today": str(max(0, self.per_day - day - 1)),
        }


class World:
    """Everything the sandbox knows. The event loop is the only writer: no await happens mid-change."""

    def __init__(self, per_second: int = 10_000, per_day: int = 10_000_000) -> None:
        self.default_limits = (per_second, per_day)
        self.reset()

    def reset(self) -> None:
        self.sellers: dict[int, Seller] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.listings: dict[int, dict[str, Any]] = {}
        self.images: dict[int, dict[str, Any]] = {}
        self.image_files: dict[int, tuple[str, bytes]] = {}
        self.receipts: dict[int, dict[str, Any]] = {}
        self.buyers: dict[str, int] = {}
        self.faults: list[Fault] = []
        self.latency_ms = 0
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG)
        self.limiter = RateLimiter(*self.default_limits)
        self.used_ids: set[int] = set()

    def new_id(self, digits: int) -> int:
        low = int(10 ** (digits - 1))
        while True:
            candidate: int = secrets.randbelow(9 * low) + low
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    # --- sellers -------------------------------------------------------------------------------------

    def seller_named(self, name: str) -> Seller | None:
        for seller in self.sellers.values():
            if name in {seller.login_name, str(seller.user_id), str(seller.shop_id)}:
                return seller
        return None

    def shop(self, shop_id: int) -> Seller | None:
        for seller in self.sellers.values():
            if seller.shop_id == shop_id:
                return seller
        return None

    def new_seller(self, login_name: str | None, country: str, currency: str) -> Seller:
        user_id = self.new_id(9)
        shop_id = self.new_id(8)
        login = login_name or f"sbxseller{str(user_id)[-5:]}"
        created = now()
        seller = Seller(
            user_id=user_id,
            shop_id=shop_id,
            login_name=login,
            shop_name="".join(p.capitalize() for p in login.replace("-", "_").split("_")) + "Shop",
            email=f"{login}@sandbox.invalid",
            country=country,
            currency=currency,
            created=created,
        )
        self._default_setup(seller)
        self.sellers[user_id] = seller
        return seller

    def _default_setup(self, seller: Seller) -> None:
        """A shop as a seller leaves it after onboarding: one shipping, processing and return profile."""
        profile_id = self.new_id(11)
        seller.shipping_profiles[profile_id] = {
            "shipping_profile_id": profile_id,
            "title": "Standard shipping",
            "user_id": seller.user_id,
            "origin_country_iso": seller.country,
            "is_deleted": False,
            "shipping_profile_destinations": [
                {
                    "shipping_profile_destination_id": self.new_id(11),
                    "shipping_profile_id": profile_id,
                    "origin_country_iso": seller.country,
                    "destination_country_iso": seller.country,
                    "destination_region": "none",
                    "primary_cost": money(4.90, seller.currency),
                    "secondary_cost": money(1.00, seller.currency),
                    "shipping_carrier_id": None,
                    "mail_class": None,
                    "min_delivery_days": 2,
                    "max_delivery_days": 5,
                }
            ],
            "shipping_profile_upgrades": [],
            "origin_postal_code": "75001" if seller.country == "FR" else "10001",
            "profile_type": "manual",
            "domestic_handling_fee": 0.0,
            "international_handling_fee": 0.0,
        }
        readiness_id = self.new_id(10)
        seller.readiness[readiness_id] = readiness_definition(
            seller.shop_id, readiness_id, "ready_to_ship", 1, 3, "days"
        )
        policy_id = self.new_id(11)
        seller.return_policies[policy_id] = {
            "return_policy_id": policy_id,
            "shop_id": seller.shop_id,
            "accepts_returns": True,
            "accepts_exchanges": False,
            "return_deadline": 30,
        }

    def buyer_id(self, name: str) -> int:
        if name not in self.buyers:
            self.buyers[name] = self.new_id(9)
        return self.buyers[name]

    # --- faults --------------------------------------------------------------------------------------

    def fault_for(self, path: str) -> Fault | None:
        """The first active fault matching ``path`` (its count is used up by one)."""
        at = time.monotonic()
        self.faults = [f for f in self.faults if f.active(at)]
        for fault in self.faults:
            if path.startswith(fault.path_prefix):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None


def readiness_definition(
    shop_id: int, readiness_id: int, state: str, low: int, high: int, unit: str
) -> dict[str, Any]:
    """Etsy's ``ShopProcessingProfile``; a week counts five working days."""
    factor = 5 if unit == "weeks" else 1
    label_unit = "weeks" if unit == "weeks" else "days"
    label = f"{low} {label_unit}" if low == high else f"{low}-{high} {label_unit}"
    return {
        "shop_id": shop_id,
        "readiness_state_id": readiness_id,
        "readiness_state": state,
        "min_processing_days": low * factor,
        "max_processing_days": high * factor,
        "processing_days_display_label": label,
    }
