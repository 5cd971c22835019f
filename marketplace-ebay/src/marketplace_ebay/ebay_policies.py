"""eBay Account API business policies, one by one: read, create (no reuse of a same-named one), replace.

The guided setup's create-or-reuse and the list per site stay on ``EbayAdapter``; these are the seller's own
edits, where eBay's refusal must reach the seller as it came (``MarketplaceRejected`` with eBay's items).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from marketplace_ebay.ebay_api import EbayAdapter, EbaySeller

BASE = "/sell/account/v1"


class PolicyApi:
    """Calls through the adapter's rate-limited client, on behalf of one seller."""

    def __init__(self, adapter: EbayAdapter) -> None:
        self.adapter = adapter

    async def _call(self, seller: EbaySeller, method: str, path: str, what: str, **kw: Any) -> httpx.Response:
        return await self.adapter.call(seller, method, f"{BASE}{path}", what, **kw)

    async def get(self, seller: EbaySeller, kind: str, policy_id: str) -> dict[str, Any]:
        """One ``kind`` policy by id (``NotFoundOnMarketplace`` when eBay has none)."""
        response = await self._call(
            seller, "GET", f"/{kind}_policy/{quote(policy_id, safe='')}", f"read the {kind} policy"
        )
        found: dict[str, Any] = response.json()
        return found

    async def create(self, seller: EbaySeller, kind: str, body: dict[str, Any]) -> str:
        """Create a policy; its id. A POST: retried only on 429 (the client's rule)."""
        response = await self._call(
            seller, "POST", f"/{kind}_policy", f"create the {kind} policy", ok=(200, 201), json=body
        )
        return str(response.json()[f"{kind}PolicyId"])

    async def replace(
        self, seller: EbaySeller, kind: str, policy_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Replace a policy whole (eBay's PUT); the policy as eBay keeps it."""
        response = await self._call(
            seller, "PUT", f"/{kind}_policy/{quote(policy_id, safe='')}", f"update the {kind} policy",
            json=body, idempotent=True,
        )  # fmt: skip
        updated: dict[str, Any] = response.json()
        return updated
