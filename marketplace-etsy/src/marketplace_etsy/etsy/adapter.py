"""Etsy Open API v3 for one shop: OAuth with PKCE, the shop's profiles, listings, photos, receipts.

``publish`` reports each step to a ``PublishProgress`` (``etsy/listing.py``) before the next, and resumes
from what an earlier attempt recorded; a draft whose answer was lost is found again among the shop's drafts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError
from vitrine_marketplace import (
    AuthExpired,
    AuthRevoked,
    ExternalListing,
    ExternalOrder,
    ListingDraft,
    MarketplaceAdapter,
    MarketplaceRejected,
    MarketplaceUnavailable,
    OAuthTokens,
    PublishedListing,
)
from vitrine_marketplace.dto import utcnow
from vitrine_marketplace.errors import NotFoundOnMarketplace

from marketplace_etsy.config import Settings
from marketplace_etsy.etsy.http import EtsyHttp
from marketplace_etsy.etsy.listing import EtsyDraft, EtsyShop, MemoryProgress, PhotoLoader, PublishProgress
from marketplace_etsy.etsy.wire import (
    ListingImage,
    Me,
    Page,
    ReadinessState,
    Receipt,
    ReturnPolicy,
    ShippingProfile,
    Shop,
    ShopListing,
    TokenResponse,
    Wire,
)

M = TypeVar("M", bound=BaseModel)
W = TypeVar("W", bound=Wire)
API = "/v3/application"
TOKEN_PATH = "/v3/public/oauth/token"
# Etsy does not say how long a refresh token lives in its answer; its documentation says 90 days.
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
# A draft created by an attempt whose answer was lost is found among drafts created since its request.
DRAFT_CLOCK_SLACK = timedelta(minutes=2)


class EtsyAdapter:
    """Etsy's operations; every call goes through ``EtsyHttp`` (the app's key, the shared budget)."""

    def __init__(self, settings: Settings, http: EtsyHttp) -> None:
        self.settings = settings
        self.http = http

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- OAuth ----------------------------------------------------------------------------------------

    def authorize_url(self, *, state: str, site: str | None = None, code_challenge: str | None = None) -> str:
        """Etsy's consent page (PKCE S256 is mandatory: ``code_challenge`` is required)."""
        if not code_challenge:
            raise ValueError("Etsy requires a PKCE code_challenge")
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.keystring,
                "redirect_uri": self.settings.redirect_uri,
                "scope": " ".join(self.settings.scopes),
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            },
            quote_via=quote,
        )
        return f"{self.settings.connect_url}?{query}"

    async def exchange_code(self, code: str, *, code_verifier: str | None = None) -> OAuthTokens:
        """The callback's code (and the PKCE verifier) for a token pair."""
        if not code_verifier:
            raise ValueError("Etsy requires the PKCE code_verifier")
        return await self._token(
            {
                "grant_type": "authorization_code",
                "client_id": self.settings.keystring,
                "redirect_uri": self.settings.redirect_uri,
                "code": code,
                "code_verifier": code_verifier,
            },
            "connect the shop",
        )

    async def refresh(self, account: EtsyShop) -> OAuthTokens:
        """A new pair from ``account``'s refresh token (which Etsy invalidates at once: store the new one)."""
        if not account.refresh_token:
            raise AuthRevoked("no refresh token stored")
        return await self.refresh_tokens(account.refresh_token)

    async def refresh_tokens(self, refresh_token: str) -> OAuthTokens:
        """``AuthRevoked`` when Etsy refuses the refresh token (app removed, password changed, expired)."""
        try:
            return await self._token(
                {
                    "grant_type": "refresh_token",
                    "client_id": self.settings.keystring,
                    "refresh_token": refresh_token,
                },
                "refresh the access token",
            )
        except MarketplaceRejected as exc:
            if exc.status == 400:
                raise AuthRevoked(exc.message, status=400, details=exc.details) from exc
            raise

    async def _token(self, form: dict[str, str], what: str) -> OAuthTokens:
        try:
            # Not safe to repeat: a refresh token is used up by the first request that reaches Etsy.
            response = await self.http.send("POST", TOKEN_PATH, what=what, data=form, safe=False)
        except AuthExpired as exc:  # 401 here is invalid_client: the app's keystring, not a token
            raise MarketplaceRejected(exc.message, status=401, details=exc.details) from exc
        body = _parse(TokenResponse, response, what)
        now = utcnow()
        return OAuthTokens(
            access_token=body.access_token,
            access_expires_at=now + timedelta(seconds=body.expires_in),
            refresh_token=body.refresh_token,
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME if body.refresh_token else None,
        )

    # --- the shop -------------------------------------------------------------------------------------

    async def me(self, access_token: str) -> Me:
        response = await self.http.send("GET", f"{API}/users/me", what="read the seller", token=access_token)
        return _parse(Me, response, "read the seller")

    async def shop(self, account: EtsyShop | str, shop_id: int) -> Shop:
        token = account if isinstance(account, str) else account.access_token
        response = await self.http.send("GET", f"{API}/shops/{shop_id}", what="read the shop", token=token)
        return _parse(Shop, response, "read the shop")

    async def shipping_profiles(self, account: EtsyShop) -> list[ShippingProfile]:
        found = await self._page(
            account, f"/shops/{account.shop_id}/shipping-profiles", ShippingProfile, "read shipping profiles"
        )
        return [p for p in found if not p.is_deleted]

    async def readiness_states(self, account: EtsyShop) -> list[ReadinessState]:
        return await self._page(
            account,
            f"/shops/{account.shop_id}/readiness-state-definitions",
            ReadinessState,
            "read processing profiles",
        )

    async def return_policies(self, account: EtsyShop) -> list[ReturnPolicy]:
        return await self._page(
            account, f"/shops/{account.shop_id}/policies/return", ReturnPolicy, "read return policies"
        )

    async def _page(self, account: EtsyShop, path: str, model: type[W], what: str) -> list[W]:
        response = await self.http.send(
            "GET", API + path, what=what, token=account.access_token, params={"limit": 100}
        )
        page = _parse(Page[model], response, what)  # type: ignore[valid-type]
        return list(page.results)

    # --- listings -------------------------------------------------------------------------------------

    async def publish(
        self,
        account: EtsyShop,
        draft: ListingDraft,
        *,
        progress: PublishProgress | None = None,
        photos: PhotoLoader | None = None,
    ) -> PublishedListing:
        """draft → photos by rank → active, each step reported to ``progress`` before the next.

        Without ``progress`` the steps are remembered for this call only; ``photos`` loads a photo's bytes
        from its key (default: the key is a URL, fetched as is).
        """
        etsy = EtsyDraft.of(draft)
        progress = progress if progress is not None else MemoryProgress()
        load = photos or self._download
        listing_id = progress.listing_id
        if listing_id is None and progress.draft_requested_at is not None:
            listing_id = await self.find_draft(account, etsy.title, since=progress.draft_requested_at)
            if listing_id is not None:
                await progress.drafted(listing_id)
        if listing_id is None:
            await progress.drafting(etsy.title, utcnow())
            listing_id = (await self.create_draft(account, etsy)).listing_id
            await progress.drafted(listing_id)
        try:
            done = progress.uploaded_ranks()
            for rank, photo in enumerate(etsy.photos[: self.settings.max_images], start=1):
                if rank in done:
                    continue
                image = await self.upload_image(account, listing_id, rank, await load(photo))
                await progress.uploaded(rank, photo, image.listing_image_id)
            listing = await self.set_state(account, listing_id, "active")
        except NotFoundOnMarketplace as exc:
            await progress.lost()
            raise MarketplaceUnavailable(
                f"The Etsy draft {listing_id} no longer exists; the next attempt creates it again"
            ) from exc
        await progress.activated(listing.url)
        return PublishedListing(external_id=str(listing_id), url=listing.url, sku=etsy.sku)

    async def create_draft(self, account: EtsyShop, draft: EtsyDraft) -> ShopListing:
        """createDraftListing (never repeated by the client: Etsy would make a second listing)."""
        form: dict[str, Any] = {
            "quantity": str(draft.quantity),
            "title": draft.title,
            "description": draft.description,
            "price": str(draft.price),
            "who_made": draft.who_made,
            "when_made": draft.when_made,
            "taxonomy_id": str(draft.taxonomy_id),
            "type": "physical",
            "is_supply": "false",
            "should_auto_renew": "false",
            **_profiles(account),
        }
        if draft.tags:
            form["tags"] = draft.tags
        if draft.materials:
            form["materials"] = draft.materials
        response = await self.http.send(
            "POST",
            f"{API}/shops/{account.shop_id}/listings",
            what="create the draft listing",
            token=account.access_token,
            params={"legacy": "false"},
            data=form,
            safe=False,
        )
        return _parse(ShopListing, response, "create the draft listing")

    async def find_draft(self, account: EtsyShop, title: str, *, since: datetime) -> int | None:
        """The newest draft titled ``title`` created since ``since`` (a draft whose answer was lost)."""
        response = await self.http.send(
            "GET",
            f"{API}/shops/{account.shop_id}/listings",
            what="look for the draft listing",
            token=account.access_token,
            params={"state": "draft", "sort_on": "created", "sort_order": "desc", "limit": 100},
        )
        page = _parse(Page[ShopListing], response, "look for the draft listing")
        floor = (since - DRAFT_CLOCK_SLACK).timestamp()
        for listing in page.results:
            if listing.title == title and (listing.created_timestamp or 0) >= floor:
                return listing.listing_id
        return None

    async def upload_image(self, account: EtsyShop, listing_id: int, rank: int, data: bytes) -> ListingImage:
        """uploadListingImage at ``rank`` with ``overwrite``: sent twice, the second replaces the first."""
        response = await self.http.send(
            "POST",
            f"{API}/shops/{account.shop_id}/listings/{listing_id}/images",
            what=f"upload photo {rank}",
            token=account.access_token,
            data={"rank": str(rank), "overwrite": "true"},
            files={"image": (f"photo-{rank}.jpg", data, "image/jpeg")},
            safe=True,
        )
        return _parse(ListingImage, response, f"upload photo {rank}")

    async def set_state(self, account: EtsyShop, listing_id: int, state: str) -> ShopListing:
        """updateListing (PATCH) ``state``: ``active`` publishes a draft, ``inactive`` hides a listing."""
        what = "activate the listing" if state == "active" else "deactivate the listing"
        response = await self.http.send(
            "PATCH",
            f"{API}/shops/{account.shop_id}/listings/{listing_id}",
            what=what,
            token=account.access_token,
            params={"legacy": "false"},
            data={"state": state},
        )
        return _parse(ShopListing, response, what)

    async def revise(self, account: EtsyShop, draft: ListingDraft) -> PublishedListing:
        """Text, tags, category of the listing (PATCH), then price and quantity (its inventory)."""
        etsy = EtsyDraft.of(draft)
        if etsy.listing_id is None:
            raise MarketplaceRejected("There is no Etsy listing to revise")
        form: dict[str, Any] = {
            "title": etsy.title,
            "description": etsy.description,
            "who_made": etsy.who_made,
            "when_made": etsy.when_made,
            "taxonomy_id": str(etsy.taxonomy_id),
        }
        if etsy.tags:
            form["tags"] = etsy.tags
        if etsy.materials:
            form["materials"] = etsy.materials
        path = f"{API}/shops/{account.shop_id}/listings/{etsy.listing_id}"
        response = await self.http.send(
            "PATCH", path, what="update the listing", token=account.access_token, data=form
        )
        listing = _parse(ShopListing, response, "update the listing")
        offering: dict[str, Any] = {"price": float(etsy.price), "quantity": etsy.quantity, "is_enabled": True}
        if account.readiness_state_id is not None:
            offering["readiness_state_id"] = account.readiness_state_id
        await self.http.send(
            "PUT",
            f"{API}/listings/{etsy.listing_id}/inventory",
            what="update the price and quantity",
            token=account.access_token,
            json={"products": [{"sku": "", "property_values": [], "offerings": [offering]}]},
        )
        return PublishedListing(external_id=str(etsy.listing_id), url=listing.url, sku=etsy.sku)

    async def delist(self, account: EtsyShop, sku: str) -> None:
        """End the listing whose id is ``sku`` (Etsy listings are addressed by id); gone already is fine."""
        await self.end_listing(account, int(sku))

    async def end_listing(self, account: EtsyShop, listing_id: int) -> None:
        """deleteListing; a listing Etsy will not delete in its state (409) is deactivated instead."""
        try:
            await self.http.send(
                "DELETE",
                f"{API}/listings/{listing_id}",
                what="delete the listing",
                token=account.access_token,
            )
        except NotFoundOnMarketplace:
            return
        except MarketplaceRejected as exc:
            if exc.status != 409:
                raise
            try:
                await self.set_state(account, listing_id, "inactive")
            except NotFoundOnMarketplace:
                return

    async def listings(self, account: EtsyShop, *, state: str = "active") -> list[ShopListing]:
        """Every listing of the shop in ``state``, with its photos (every page)."""
        found: list[ShopListing] = []
        offset = 0
        while True:
            response = await self.http.send(
                "GET",
                f"{API}/shops/{account.shop_id}/listings",
                what="read the shop's listings",
                token=account.access_token,
                params={"state": state, "includes": "Images", "limit": 100, "offset": offset},
            )
            page = _parse(Page[ShopListing], response, "read the shop's listings")
            found.extend(page.results)
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return found

    async def import_listings(self, account: EtsyShop) -> Sequence[ExternalListing]:
        """The shop's active listings, for linking to products or importing as new ones."""
        return [_external(listing, account) for listing in await self.listings(account)]

    # --- receipts -------------------------------------------------------------------------------------

    async def receipts(self, account: EtsyShop, *, since: datetime) -> list[Receipt]:
        """Receipts modified since ``since``, oldest update first (every page)."""
        found: list[Receipt] = []
        offset = 0
        while True:
            response = await self.http.send(
                "GET",
                f"{API}/shops/{account.shop_id}/receipts",
                what="read the shop's orders",
                token=account.access_token,
                params={
                    "min_last_modified": max(946684800, int(since.timestamp())),
                    "sort_on": "updated",
                    "sort_order": "asc",
                    "limit": 100,
                    "offset": offset,
                },
            )
            page = _parse(Page[Receipt], response, "read the shop's orders")
            found.extend(page.results)
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return found

    async def fetch_orders(self, account: EtsyShop, *, since: datetime) -> Sequence[ExternalOrder]:
        """Sold lines (one per transaction) of the receipts modified since ``since``."""
        return [
            line for receipt in await self.receipts(account, since=since) for line in order_lines(receipt)
        ]

    async def _download(self, url: str) -> bytes:
        try:
            response = await self.http.http.get(url)
        except httpx.HTTPError as exc:
            raise MarketplaceUnavailable(f"The photo {url} could not be fetched") from exc
        if response.status_code != 200:
            raise MarketplaceRejected(f"The photo {url} could not be fetched ({response.status_code})")
        return response.content


def order_lines(receipt: Receipt) -> list[ExternalOrder]:
    """One line per transaction of a paid, standing receipt; none otherwise."""
    if not receipt.sold:
        return []
    return [
        ExternalOrder(
            order_id=str(receipt.receipt_id),
            line_id=str(t.transaction_id),
            external_listing_id=str(t.listing_id),
            sku=t.sku or None,
            quantity=t.quantity,
            price=t.price.value * t.quantity,
            currency=t.price.currency_code,
            buyer=receipt.name,
            ordered_at=receipt.created_at,
            modified_at=receipt.updated_at,
        )
        for t in receipt.transactions
        if t.listing_id is not None
    ]


def _external(listing: ShopListing, account: EtsyShop) -> ExternalListing:
    images = sorted(listing.images or [], key=lambda i: i.rank)
    return ExternalListing(
        external_id=str(listing.listing_id),
        sku=next((sku for sku in listing.skus or [] if sku), None),
        title=listing.title,
        description=listing.description or "",
        price=listing.price.value if listing.price else None,
        currency=listing.price.currency_code if listing.price else account.currency,
        quantity=listing.quantity,
        image_urls=[i.url_fullxfull for i in images if i.url_fullxfull],
        category_id=str(listing.taxonomy_id) if listing.taxonomy_id else None,
        aspects={
            k: v
            for k, v in {
                "tags": listing.tags,
                "materials": listing.materials,
                "who_made": [listing.who_made] if listing.who_made else [],
                "when_made": [listing.when_made] if listing.when_made else [],
            }.items()
            if v
        },
        url=listing.url,
    )


def _profiles(account: EtsyShop) -> dict[str, str]:
    found = {
        "shipping_profile_id": account.shipping_profile_id,
        "readiness_state_id": account.readiness_state_id,
        "return_policy_id": account.return_policy_id,
    }
    return {k: str(v) for k, v in found.items() if v is not None}


def _parse(model: type[M], response: httpx.Response, what: str) -> M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise MarketplaceUnavailable(f"Etsy answered something unexpected while trying to {what}") from exc


def _conforms(adapter: EtsyAdapter) -> MarketplaceAdapter[EtsyShop]:
    """Checked by mypy: the Etsy adapter is a ``MarketplaceAdapter`` (the protocol is not runtime-checkable)."""
    return adapter
