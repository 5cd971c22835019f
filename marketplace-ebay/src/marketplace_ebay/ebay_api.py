"""eBay's wire format: OAuth, Identity, Account, Inventory, Fulfillment and Notification calls.

``EbayAdapter`` implements ``vitrine_marketplace.MarketplaceAdapter`` for an ``EbaySeller`` (a site and a
valid access token); token refresh and storage live in the accounts service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from vitrine_marketplace import (
    AuthRevoked,
    CircuitBreaker,
    ExternalListing,
    ExternalOrder,
    ListingDraft,
    MarketplaceError,
    MarketplaceHttpClient,
    MarketplaceRejected,
    OAuthTokens,
    PublishedListing,
    RateLimiter,
    RetryPolicy,
)
from vitrine_marketplace.errors import NotFoundOnMarketplace

from marketplace_ebay.config import Settings
from marketplace_ebay.ebay_bulk import bulk_publish
from marketplace_ebay.ebay_orders import (
    CancelledLine,
    OfferState,
    cancelled_lines,
    money,
    order_paid_lines,
    paid_lines,
)

LANGUAGES = {
    "EBAY_FR": "fr-FR", "EBAY_GB": "en-GB", "EBAY_DE": "de-DE", "EBAY_ES": "es-ES", "EBAY_IT": "it-IT",
    "EBAY_NL": "nl-NL", "EBAY_BE": "fr-BE", "EBAY_PL": "pl-PL", "EBAY_US": "en-US", "EBAY_AT": "de-AT",
}  # fmt: skip
CURRENCIES = {"EBAY_GB": "GBP", "EBAY_PL": "PLN", "EBAY_US": "USD"}
SITES = frozenset(LANGUAGES)
POLICY_KINDS = ("fulfillment", "payment", "return")


@dataclass(frozen=True)
class EbaySeller:
    """What a call on behalf of a seller needs: the account key for rate limits, the site, a token."""

    account_id: str
    site: str
    access_token: str
    fulfillment_policy_id: str | None = None
    payment_policy_id: str | None = None
    return_policy_id: str | None = None
    location_key: str | None = None


def ebay_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The items of eBay's error envelope (empty when the body is not one)."""
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _rejected(response: httpx.Response, what: str) -> MarketplaceRejected:
    errors = ebay_errors(response)
    messages = "; ".join(str(e.get("longMessage") or e.get("message")) for e in errors) or response.text[:300]
    cls = NotFoundOnMarketplace if response.status_code == 404 else MarketplaceRejected
    return cls(f"eBay refused to {what}: {messages}", status=response.status_code, details=errors)


class EbayAdapter:
    """Calls to eBay's REST APIs through the shared rate-limited client."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.api = settings.api_base_url.rstrip("/")
        self.client = MarketplaceHttpClient(
            "eBay",
            limiter=RateLimiter(
                app_rate_per_s=settings.app_rate_per_s,
                app_burst=settings.app_burst,
                account_rate_per_s=settings.account_rate_per_s,
                account_burst=settings.account_burst,
            ),
            breaker=CircuitBreaker(
                "eBay", failure_threshold=settings.breaker_failures, reset_timeout_s=settings.breaker_reset_s
            ),
            retry=RetryPolicy(max_attempts=settings.retry_attempts, base_delay_s=settings.retry_base_delay_s),
            http=http or httpx.AsyncClient(timeout=settings.http_timeout_s),
        )
        self._app_token: tuple[str, float] | None = None
        self._app_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- OAuth ---------------------------------------------------------------------------------------

    def authorize_url(self, *, state: str, site: str | None = None, code_challenge: str | None = None) -> str:
        """eBay's consent page for this application, carrying ``state``."""
        query = urlencode(
            {
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.ru_name,
                "response_type": "code",
                "scope": " ".join(self.settings.scopes),
                "state": state,
            }
        )
        return f"{self.settings.auth_base_url.rstrip('/')}/oauth2/authorize?{query}"

    async def _token_call(self, form: dict[str, str]) -> httpx.Response:
        return await self.client.request(
            "POST",
            f"{self.api}/identity/v1/oauth2/token",
            data=form,
            auth=(self.settings.client_id, self.settings.client_secret.get_secret_value()),
            idempotent=form["grant_type"] != "authorization_code",
        )

    async def exchange_code(self, code: str, *, code_verifier: str | None = None) -> OAuthTokens:
        """Trade the callback's code for a token pair (the code is never stored)."""
        response = await self._token_call(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.settings.ru_name}
        )
        if response.status_code != 200:
            raise MarketplaceRejected(
                f"eBay refused the authorization code: {response.json().get('error_description', response.status_code)}",
                status=response.status_code,
            )
        return OAuthTokens.from_response(response.json())

    async def refresh_tokens(self, refresh_token: str, scopes: Sequence[str]) -> OAuthTokens:
        """A new access token; eBay keeps the refresh token, so it is carried over."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scopes:
            form["scope"] = " ".join(scopes)
        response = await self._token_call(form)
        if response.status_code in (400, 401):
            raise AuthRevoked("eBay refused the refresh token: the seller must reconnect eBay")
        if response.status_code != 200:
            raise MarketplaceRejected(f"eBay token refresh answered {response.status_code}")
        return OAuthTokens.from_response(response.json(), keep_refresh=refresh_token)

    async def app_token(self) -> str:
        """An application token (client credentials), cached until shortly before it expires."""
        async with self._app_lock:
            if self._app_token and self._app_token[1] > time.monotonic():
                return self._app_token[0]
            response = await self._token_call(
                {"grant_type": "client_credentials", "scope": "https://api.ebay.com/oauth/api_scope"}
            )
            if response.status_code != 200:
                raise MarketplaceRejected(
                    f"eBay refused the application credentials ({response.status_code})"
                )
            body = response.json()
            self._app_token = (body["access_token"], time.monotonic() + int(body["expires_in"]) - 60)
            return self._app_token[0]

    # --- helpers -------------------------------------------------------------------------------------

    def _headers(self, seller: EbaySeller, *, content: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {seller.access_token}", "X-EBAY-C-MARKETPLACE-ID": seller.site}
        if content:
            headers["Content-Language"] = LANGUAGES.get(seller.site, "en-US")
        return headers

    async def call(
        self,
        seller: EbaySeller,
        method: str,
        path: str,
        what: str,
        *,
        ok: tuple[int, ...] = (200,),
        **kw: Any,
    ) -> httpx.Response:
        """A call as ``seller`` (token, site, language); a status not in ``ok`` is ``MarketplaceRejected``."""
        content = method in {"PUT", "POST"} and "json" in kw
        response = await self.client.request(
            method,
            f"{self.api}{path}",
            account=seller.account_id,
            headers=self._headers(seller, content=content),
            **kw,
        )
        if response.status_code not in ok:
            raise _rejected(response, what)
        return response

    # --- Identity and setup -------------------------------------------------------------------------

    async def identity(self, seller: EbaySeller) -> dict[str, Any]:
        """The eBay user behind the token (``userId``, ``username``)."""
        body: dict[str, Any] = (
            await self.call(seller, "GET", "/commerce/identity/v1/user/", "read the user")
        ).json()
        return body

    async def opted_in(self, seller: EbaySeller) -> bool:
        """Whether the seller is opted into business policies."""
        body = (
            await self.call(seller, "GET", "/sell/account/v1/program/get_opted_in_programs", "read programs")
        ).json()
        return any(p.get("programType") == "SELLING_POLICY_MANAGEMENT" for p in body.get("programs", []))

    async def opt_in(self, seller: EbaySeller) -> None:
        await self.call(
            seller, "POST", "/sell/account/v1/program/opt_in", "opt in to business policies",
            json={"programType": "SELLING_POLICY_MANAGEMENT"}, idempotent=True,
        )  # fmt: skip

    async def policies(self, seller: EbaySeller, kind: str) -> list[dict[str, Any]]:
        """The seller's ``kind`` policies (fulfillment, payment, return) on the account's site."""
        response = await self.call(
            seller,
            "GET",
            f"/sell/account/v1/{kind}_policy",
            f"read {kind} policies",
            params={"marketplace_id": seller.site},
        )
        found: list[dict[str, Any]] = response.json().get(f"{kind}Policies", [])
        return found

    async def create_policy(self, seller: EbaySeller, kind: str, body: dict[str, Any]) -> str:
        """Create a policy; returns its id (an existing one of the same name is reused)."""
        path = f"/sell/account/v1/{kind}_policy"
        try:
            response = await self.call(
                seller, "POST", path, f"create a {kind} policy", ok=(200, 201), json=body
            )
        except MarketplaceRejected:
            existing = await self.call(
                seller, "GET", f"{path}/get_by_policy_name", f"find the {kind} policy",
                params={"marketplace_id": seller.site, "name": body["name"]},
            )  # fmt: skip
            return str(existing.json()[f"{kind}PolicyId"])
        return str(response.json()[f"{kind}PolicyId"])

    async def locations(self, seller: EbaySeller) -> list[dict[str, Any]]:
        response = await self.call(seller, "GET", "/sell/inventory/v1/location", "read locations")
        found: list[dict[str, Any]] = response.json().get("locations", [])
        return found

    async def create_location(self, seller: EbaySeller, key: str, body: dict[str, Any]) -> None:
        """Create the inventory location ``key`` (already there is fine)."""
        await self.call(
            seller, "POST", f"/sell/inventory/v1/location/{key}", "create the inventory location",
            ok=(200, 201, 204, 409), json=body, idempotent=True,
        )  # fmt: skip

    # --- Listings -----------------------------------------------------------------------------------

    def item_url(self, listing_id: str) -> str:
        return f"{self.settings.item_url_base.rstrip('/')}/itm/{listing_id}"

    def _offer_body(self, seller: EbaySeller, draft: ListingDraft) -> dict[str, Any]:
        return {
            "sku": draft.sku,
            "marketplaceId": seller.site,
            "format": "FIXED_PRICE",
            "availableQuantity": draft.quantity,
            "categoryId": draft.category_id,
            "listingDescription": draft.description,
            "merchantLocationKey": seller.location_key,
            "listingPolicies": {
                "fulfillmentPolicyId": seller.fulfillment_policy_id,
                "paymentPolicyId": seller.payment_policy_id,
                "returnPolicyId": seller.return_policy_id,
            },
            "pricingSummary": {"price": {"value": f"{draft.price:.2f}", "currency": draft.currency}},
        }

    @staticmethod
    def _item_body(draft: ListingDraft) -> dict[str, Any]:
        product: dict[str, Any] = {
            "title": draft.title[:80],
            "description": draft.description,
            "aspects": draft.aspects,
            "imageUrls": draft.image_urls,
        }
        if draft.brand:
            product["brand"] = draft.brand
        return {
            "availability": {"shipToLocationAvailability": {"quantity": draft.quantity}},
            "condition": draft.condition_id,
            "product": product,
        }

    async def put_item(self, seller: EbaySeller, draft: ListingDraft) -> None:
        """createOrReplaceInventoryItem: a full replace, idempotent on the SKU."""
        await self.call(
            seller,
            "PUT",
            f"/sell/inventory/v1/inventory_item/{draft.sku}",
            "save the item",
            ok=(200, 201, 204),
            json=self._item_body(draft),
        )

    async def find_offer(self, seller: EbaySeller, sku: str) -> dict[str, Any] | None:
        """The offer of ``sku`` on the seller's site, if one exists."""
        try:
            response = await self.call(
                seller,
                "GET",
                "/sell/inventory/v1/offer",
                "look up the offer",
                params={"sku": sku, "marketplace_id": seller.site},
            )
        except NotFoundOnMarketplace:
            return None
        offers: list[dict[str, Any]] = response.json().get("offers", [])
        return next((o for o in offers if o.get("marketplaceId") == seller.site), None)

    async def upsert_offer(self, seller: EbaySeller, draft: ListingDraft) -> str:
        """Update the SKU's offer, or create it; never a second offer for one SKU."""
        body = self._offer_body(seller, draft)
        existing = await self.find_offer(seller, draft.sku)
        if existing is not None:
            offer_id = str(existing["offerId"])
            await self.call(
                seller,
                "PUT",
                f"/sell/inventory/v1/offer/{offer_id}",
                "update the offer",
                ok=(200, 204),
                json=body,
            )
            return offer_id
        response = await self.client.request(
            "POST", f"{self.api}/sell/inventory/v1/offer", account=seller.account_id,
            headers=self._headers(seller, content=True), json=body,
        )  # fmt: skip
        if response.status_code in (200, 201):
            return str(response.json()["offerId"])
        # "Offer entity already exists" (a create whose answer was lost): eBay names the offer.
        for error in ebay_errors(response):
            for param in error.get("parameters") or []:
                if param.get("name") == "offerId":
                    return str(param["value"])
        raise _rejected(response, "create the offer")

    async def publish(self, seller: EbaySeller, draft: ListingDraft) -> PublishedListing:
        """inventory item → offer → publish; idempotent on ``draft.sku``."""
        await self.put_item(seller, draft)
        offer_id = await self.upsert_offer(seller, draft)
        response = await self.call(
            seller,
            "POST",
            f"/sell/inventory/v1/offer/{offer_id}/publish",
            "publish the offer",
            idempotent=True,
        )
        listing_id = str(response.json()["listingId"])
        return PublishedListing(
            external_id=listing_id, url=self.item_url(listing_id), offer_id=offer_id, sku=draft.sku
        )

    async def bulk_publish(
        self, seller: EbaySeller, drafts: Sequence[ListingDraft]
    ) -> list[PublishedListing | MarketplaceError]:
        """Up to 25 drafts in three bulk calls, each answered on its own (see ``ebay_bulk``)."""
        return await bulk_publish(
            self.call, seller, drafts,
            locale=LANGUAGES.get(seller.site, "en-US").replace("-", "_"),
            item_body=self._item_body,
            offer_body=lambda draft: self._offer_body(seller, draft),
            item_url=self.item_url,
        )  # fmt: skip

    async def revise(self, seller: EbaySeller, draft: ListingDraft) -> PublishedListing:
        """Price, quantity and content: replacing the item and the offer updates the live listing."""
        return await self.publish(seller, draft)

    async def delist(self, seller: EbaySeller, sku: str) -> None:
        """withdrawOffer: the listing ends, the offer stays (unpublished)."""
        offer = await self.find_offer(seller, sku)
        if offer is None or offer.get("status") != "PUBLISHED":
            return
        try:
            await self.call(
                seller,
                "POST",
                f"/sell/inventory/v1/offer/{offer['offerId']}/withdraw",
                "end the listing",
                idempotent=True,
            )
        except MarketplaceRejected as exc:
            if exc.status != 404 and (await self.find_offer(seller, sku) or {}).get("status") == "PUBLISHED":
                raise

    async def fetch_orders(self, seller: EbaySeller, *, since: datetime) -> Sequence[ExternalOrder]:
        """Paid order lines modified since ``since`` (every page)."""
        return await paid_lines(self.call, seller, since)

    async def order_lines(self, seller: EbaySeller, order_id: str) -> Sequence[ExternalOrder]:
        """The paid lines of one order (none when it is unknown, unpaid or cancelled)."""
        return await order_paid_lines(self.call, seller, order_id)

    async def cancelled_lines(self, seller: EbaySeller, *, since: datetime) -> Sequence[CancelledLine]:
        """Lines of orders cancelled or refunded, among the orders modified since ``since``."""
        return await cancelled_lines(self.call, seller, since)

    async def offer_state(self, seller: EbaySeller, sku: str) -> OfferState:
        """Whether ``sku``'s offer is live on eBay, and under which listing id."""
        offer = await self.find_offer(seller, sku)
        listing = (offer or {}).get("listing") or {}
        return OfferState(
            published=offer is not None and offer.get("status") == "PUBLISHED",
            listing_id=str(listing["listingId"]) if listing.get("listingId") else None,
            listing_status=listing.get("listingStatus"),
        )

    async def skus(self, seller: EbaySeller) -> list[str]:
        """Every SKU of the seller's inventory (every page)."""
        found: list[str] = []
        while True:
            page = (
                await self.call(
                    seller, "GET", "/sell/inventory/v1/inventory_item", "read inventory",
                    params={"limit": 100, "offset": len(found)},
                )
            ).json()  # fmt: skip
            items = page.get("inventoryItems", [])
            found.extend(str(i["sku"]) for i in items)
            if not items or len(found) >= int(page.get("total", 0)):
                return found

    async def import_listings(self, seller: EbaySeller) -> Sequence[ExternalListing]:
        """The seller's published offers, with their inventory items."""
        found: list[ExternalListing] = []
        offset = 0
        while True:
            page = (
                await self.call(
                    seller,
                    "GET",
                    "/sell/inventory/v1/inventory_item",
                    "read inventory",
                    params={"limit": 100, "offset": offset},
                )
            ).json()
            items = page.get("inventoryItems", [])
            for item in items:
                offer = await self.find_offer(seller, str(item["sku"]))
                if offer is None or offer.get("status") != "PUBLISHED":
                    continue
                listing_id = str((offer.get("listing") or {}).get("listingId", ""))
                product = item.get("product") or {}
                price, currency = money((offer.get("pricingSummary") or {}).get("price"))
                found.append(
                    ExternalListing(
                        external_id=listing_id,
                        sku=str(item["sku"]),
                        title=str(product.get("title", "")),
                        description=str(product.get("description") or offer.get("listingDescription") or ""),
                        price=price,
                        currency=currency,
                        quantity=int(offer.get("availableQuantity") or 0),
                        image_urls=list(product.get("imageUrls", [])),
                        category_id=offer.get("categoryId"),
                        condition_id=item.get("condition"),
                        aspects=product.get("aspects") or {},
                        url=self.item_url(listing_id),
                    )
                )
            offset += len(items)
            if not items or offset >= int(page.get("total", 0)):
                return found

    async def public_key(self, kid: str) -> str:
        """The notification public key ``kid`` as PEM (eBay serves it on one line)."""
        token = await self.app_token()
        response = await self.client.request(
            "GET",
            f"{self.api}/commerce/notification/v1/public_key/{quote(kid, safe='')}",
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code != 200:
            raise _rejected(response, "give the notification key")
        key = str(response.json()["key"])
        begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
        middle = key.replace(begin, "").replace(end, "").strip()
        return f"{begin}\n{middle}\n{end}\n"
