"""eBay's after-sale wire format: Post-Order v2 (cancellation, return, inquiry), the Fulfillment API's
payment disputes (apiz host) and shipping fulfillments; each case read into one ``RemoteCase``.

Post-Order authenticates with ``Authorization: IAF <OAuth token>`` and answers errors in its own envelope
(``errorMessage.error[]``); the Sell APIs use Bearer and ``errors[]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from vitrine_marketplace import MarketplaceRejected, MarketplaceUnavailable
from vitrine_marketplace.errors import NotFoundOnMarketplace

from marketplace_ebay.after_sale.models import Action, CaseKind, CaseStatus
from marketplace_ebay.ebay_api import EbayAdapter, EbaySeller
from marketplace_ebay.ebay_orders import iso, money, when

PAGE = 100
RETURN_OPTIONS = {
    "SELLER_APPROVE_REQUEST": Action.ACCEPT_RETURN,
    "SELLER_DECLINE_REQUEST": Action.DECLINE_RETURN,
    "SELLER_ISSUE_REFUND": Action.REFUND_RETURN,
    "SELLER_MARK_AS_RECEIVED": Action.MARK_RETURN_RECEIVED,
}
DISPUTE_CHOICES = {"SELLER_ACCEPT": Action.ACCEPT_DISPUTE, "SELLER_CONTEST": Action.CONTEST_DISPUTE}
INQUIRY_CLOSED = frozenset({"CLOSED", "CLOSED_WITH_ESCALATION", "CS_CLOSED"})


@dataclass(frozen=True)
class RemoteCase:
    """One case as eBay shows it now, in Vitrine's words."""

    kind: CaseKind
    external_id: str
    order_id: str | None
    line_item_id: str | None
    listing_id: str | None
    ebay_status: str
    status: CaseStatus
    reason: str | None
    buyer: str | None
    amount: Decimal | None
    currency: str | None
    respond_by: datetime | None
    actions: tuple[Action, ...]
    opened_at: datetime
    revision: int | None = None
    # How many units the case is about (a return of part of a line); None: the whole line or order.
    quantity: int | None = None
    # The unit is free again: an order cancelled with a refund, a returned item back with the seller.
    releases: bool = False


@dataclass(frozen=True)
class EvidenceFile:
    evidence_type: str
    filename: str
    content_type: str
    data: bytes


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """Error items of either envelope (Sell APIs' ``errors``, Post-Order's ``errorMessage.error``)."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    items = body.get("errors") or (body.get("errorMessage") or {}).get("error") or []
    return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []


def _refused(response: httpx.Response, what: str) -> MarketplaceRejected:
    errors = errors_of(response)
    said = "; ".join(str(e.get("longMessage") or e.get("message")) for e in errors) or response.text[:300]
    cls = NotFoundOnMarketplace if response.status_code == 404 else MarketplaceRejected
    return cls(f"eBay refused to {what}: {said}", status=response.status_code, details=errors)


def _date(value: Any) -> datetime | None:
    """Post-Order dates are ``{"value": iso}``; the Sell APIs' are plain strings."""
    raw = value.get("value") if isinstance(value, dict) else value
    return when(str(raw)) if raw else None


class AfterSaleApi:
    """The calls after-sale needs, through the adapter's rate-limited, retrying client."""

    def __init__(self, adapter: EbayAdapter, dispute_base_url: str | None) -> None:
        self.adapter = adapter
        self.api = adapter.api
        # Payment disputes live on apiz.ebay.com in production.
        self.apiz = (dispute_base_url or adapter.api).rstrip("/")

    async def _call(
        self,
        seller: EbaySeller,
        method: str,
        url: str,
        what: str,
        *,
        post_order: bool = False,
        ok: tuple[int, ...] = (200,),
        **kw: Any,
    ) -> httpx.Response:
        scheme = "IAF" if post_order else "Bearer"
        headers = {"Authorization": f"{scheme} {seller.access_token}", "X-EBAY-C-MARKETPLACE-ID": seller.site}
        response = await self.adapter.client.request(
            method, url, account=seller.account_id, headers=headers, **kw
        )
        if response.status_code not in ok:
            raise _refused(response, what)
        return response

    # --- reading cases --------------------------------------------------------------------------------

    async def _post_order_pages(
        self, seller: EbaySeller, path: str, key: str, params: dict[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            body = (
                await self._call(
                    seller, "GET", f"{self.api}/post-order/v2/{path}/search", f"search {path}s",
                    post_order=True, params={**params, "limit": PAGE, "offset": page},
                )
            ).json()  # fmt: skip
            for item in body.get(key) or []:
                yield item
            pages = int((body.get("paginationOutput") or {}).get("totalPages") or 1)
            if page >= pages:
                return
            page += 1

    async def cases(self, seller: EbaySeller, since: datetime) -> list[RemoteCase]:
        """Every case opened since ``since``, open or closed."""
        found: list[RemoteCase] = []
        window = {"creation_date_range_from": iso(since)}
        async for c in self._post_order_pages(seller, "cancellation", "cancellations", window):
            found.append(cancellation_case(c))
        async for r in self._post_order_pages(seller, "return", "members", window):
            case = return_case(r)
            if case.status is CaseStatus.CLOSED and not case.releases:
                case = await self.return_case(seller, case.external_id)
            found.append(case)
        inquiry_window = {"inquiry_creation_date_range_from": iso(since)}
        async for i in self._post_order_pages(seller, "inquiry", "members", inquiry_window):
            found.append(inquiry_case(i))
        found.extend(await self.disputes(seller, since))
        return found

    async def disputes(self, seller: EbaySeller, since: datetime) -> list[RemoteCase]:
        """Payment disputes opened in the window; open ones are read whole (choices, revision)."""
        found: list[RemoteCase] = []
        offset = 0
        while True:
            body = (
                await self._call(
                    seller, "GET", f"{self.apiz}/sell/fulfillment/v1/payment_dispute_summary",
                    "read payment disputes",
                    params={"open_date_from": iso(since), "limit": 200, "offset": offset},
                )
            ).json()  # fmt: skip
            summaries = body.get("paymentDisputeSummaries") or []
            for summary in summaries:
                if summary.get("paymentDisputeStatus") == "CLOSED":
                    found.append(dispute_case(summary))
                else:
                    found.append(await self.dispute(seller, str(summary["paymentDisputeId"])))
            offset += len(summaries)
            if not summaries or not body.get("next") or offset >= int(body.get("total") or 0):
                return found

    async def case(self, seller: EbaySeller, kind: CaseKind, external_id: str) -> RemoteCase:
        """One case, read again (after an action)."""
        if kind is CaseKind.CANCELLATION:
            body = (
                await self._call(
                    seller, "GET", f"{self.api}/post-order/v2/cancellation/{external_id}", "read the cancellation",
                    post_order=True,
                )
            ).json()  # fmt: skip
            return cancellation_case(body.get("cancelDetail") or body)
        if kind is CaseKind.RETURN:
            return await self.return_case(seller, external_id)
        if kind is CaseKind.INQUIRY:
            body = (
                await self._call(
                    seller, "GET", f"{self.api}/post-order/v2/inquiry/{external_id}", "read the inquiry",
                    post_order=True,
                )
            ).json()  # fmt: skip
            return inquiry_case(body)
        return await self.dispute(seller, external_id)

    async def return_case(self, seller: EbaySeller, return_id: str) -> RemoteCase:
        body = (
            await self._call(
                seller, "GET", f"{self.api}/post-order/v2/return/{return_id}", "read the return",
                post_order=True, params={"fieldgroups": "FULL"},
            )
        ).json()  # fmt: skip
        return return_case(body.get("summary") or {}, body.get("detail") or {})

    async def dispute(self, seller: EbaySeller, dispute_id: str) -> RemoteCase:
        body = (
            await self._call(
                seller, "GET", f"{self.apiz}/sell/fulfillment/v1/payment_dispute/{dispute_id}",
                "read the payment dispute",
            )
        ).json()  # fmt: skip
        return dispute_case(body)

    # --- acting ---------------------------------------------------------------------------------------

    async def post_order(self, seller: EbaySeller, path: str, what: str, body: dict[str, Any] | None) -> None:
        """A Post-Order action (approve, decide, refund…); POSTs are retried only on 429."""
        await self._call(
            seller,
            "POST",
            f"{self.api}/post-order/v2/{path}",
            what,
            post_order=True,
            json=body,
            ok=(200, 201, 204),
        )

    async def dispute_action(
        self, seller: EbaySeller, dispute_id: str, verb: str, body: dict[str, Any]
    ) -> None:
        await self._call(
            seller, "POST", f"{self.apiz}/sell/fulfillment/v1/payment_dispute/{dispute_id}/{verb}",
            f"{verb} the payment dispute", json=body, ok=(200, 201, 204),
        )  # fmt: skip

    async def add_evidence(self, seller: EbaySeller, dispute_id: str, files: Sequence[EvidenceFile]) -> None:
        """Upload each file, then one evidence set per evidence type."""
        by_type: dict[str, list[str]] = {}
        for file in files:
            by_type.setdefault(file.evidence_type, []).append(await self._upload(seller, dispute_id, file))
        for evidence_type, file_ids in by_type.items():
            await self._call(
                seller, "POST", f"{self.apiz}/sell/fulfillment/v1/payment_dispute/{dispute_id}/add_evidence",
                "add the evidence", json={"evidenceType": evidence_type, "files": [{"fileId": f} for f in file_ids]},
            )  # fmt: skip

    async def _upload(self, seller: EbaySeller, dispute_id: str, file: EvidenceFile) -> str:
        # Multipart is outside the shared client's JSON/form calls: rate-limited here, never retried (an
        # upload is not idempotent), and a 429 or 5xx is reported to the seller.
        client = self.adapter.client
        await client.limiter.acquire(seller.account_id)
        try:
            response = await client.http.post(
                f"{self.apiz}/sell/fulfillment/v1/payment_dispute/{dispute_id}/upload_evidence_file",
                headers={
                    "Authorization": f"Bearer {seller.access_token}",
                    "X-EBAY-C-MARKETPLACE-ID": seller.site,
                },
                files={"file": (file.filename, file.data, file.content_type)},
            )
        except httpx.TransportError as exc:
            raise MarketplaceUnavailable(
                f"eBay did not take the evidence file ({type(exc).__name__})"
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise MarketplaceUnavailable(f"eBay answered {response.status_code} to the evidence upload")
        if response.status_code not in (200, 201):
            raise _refused(response, "take the evidence file")
        return str(response.json()["fileId"])

    async def ship(
        self, seller: EbaySeller, order_id: str, lines: Sequence[tuple[str, int]], carrier: str, tracking: str,
        shipped_at: datetime,
    ) -> str:  # fmt: skip
        """createShippingFulfillment; returns the fulfillment id eBay puts in ``Location``."""
        body = {
            "lineItems": [{"lineItemId": line, "quantity": quantity} for line, quantity in lines],
            "shippedDate": iso(shipped_at),
            "shippingCarrierCode": carrier,
            "trackingNumber": tracking,
        }
        response = await self._call(
            seller, "POST", f"{self.api}/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment",
            "record the shipment", json=body, ok=(200, 201),
        )  # fmt: skip
        return response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1] or tracking


# --- reading eBay's shapes ---------------------------------------------------------------------------


def cancellation_case(c: dict[str, Any]) -> RemoteCase:
    state, status = str(c.get("cancelState")), str(c.get("cancelStatus"))
    pending = state == "APPROVAL_PENDING"
    value, currency = money(c.get("requestRefundAmount"))
    return RemoteCase(
        kind=CaseKind.CANCELLATION,
        external_id=str(c["cancelId"]),
        order_id=str(c.get("legacyOrderId")),
        line_item_id=None,
        listing_id=None,
        ebay_status=status,
        status=CaseStatus.AWAITING_SELLER if pending else CaseStatus.CLOSED if state == "CLOSED" else CaseStatus.AWAITING_EBAY,
        reason=c.get("cancelReason"),
        buyer=c.get("buyerLoginName"),
        amount=value if currency else None,
        currency=currency or None,
        respond_by=_date(c.get("sellerResponseDueDate")) if pending else None,
        actions=(Action.APPROVE_CANCELLATION, Action.REJECT_CANCELLATION) if pending else (),
        opened_at=_date(c.get("cancelRequestDate")) or when(None),
        releases=status in ("CANCEL_CLOSED_WITH_REFUND", "CANCEL_CLOSED_UNKNOWN_REFUND"),
    )  # fmt: skip


def return_case(r: dict[str, Any], detail: dict[str, Any] | None = None) -> RemoteCase:
    status = str(r.get("status") or r.get("state"))
    item = (r.get("creationInfo") or {}).get("item") or {}
    due = r.get("sellerResponseDue") or {}
    options = tuple(RETURN_OPTIONS[o["actionType"]] for o in r.get("sellerAvailableOptions") or []
                    if o.get("actionType") in RETURN_OPTIONS)  # fmt: skip
    refund = r.get("sellerTotalRefund") or {}
    value, currency = money(refund.get("actualRefundAmount") or refund.get("estimatedRefundAmount"))
    tracking = ((detail or {}).get("returnShipmentInfo") or {}).get("shipmentTracking") or {}
    if status == "CLOSED":
        whose = CaseStatus.CLOSED
    elif status == "ESCALATED":
        whose = CaseStatus.AWAITING_EBAY
    else:
        whose = CaseStatus.AWAITING_SELLER if due else CaseStatus.AWAITING_BUYER
    return RemoteCase(
        kind=CaseKind.RETURN,
        external_id=str(r["returnId"]),
        order_id=str(r["orderId"]) if r.get("orderId") else None,
        line_item_id=str(item["transactionId"]) if item.get("transactionId") else None,
        listing_id=str(item["itemId"]) if item.get("itemId") else None,
        ebay_status=status,
        status=whose,
        reason=(r.get("creationInfo") or {}).get("reason"),
        buyer=r.get("buyerLoginName"),
        amount=value if currency else None,
        currency=currency or None,
        respond_by=_date(due.get("respondByDate")),
        actions=options,
        opened_at=_date((r.get("creationInfo") or {}).get("creationDate")) or when(None),
        quantity=int(item["returnQuantity"]) if item.get("returnQuantity") else None,
        releases=status == "ITEM_DELIVERED" or tracking.get("deliveryStatus") == "DELIVERED",
    )


def inquiry_case(i: dict[str, Any]) -> RemoteCase:
    status = str(i.get("inquiryStatusEnum") or i.get("status"))
    value, currency = money(i.get("claimAmount"))
    actions: tuple[Action, ...]
    if status == "WAITING_SELLER_RESPONSE":
        whose, actions = CaseStatus.AWAITING_SELLER, (Action.PROVIDE_TRACKING, Action.REFUND_INQUIRY)
    elif status == "WAITING_BUYER_RESPONSE":
        whose, actions = CaseStatus.AWAITING_BUYER, (Action.REFUND_INQUIRY,)
    else:
        whose, actions = (CaseStatus.CLOSED if status in INQUIRY_CLOSED else CaseStatus.AWAITING_EBAY), ()
    return RemoteCase(
        kind=CaseKind.INQUIRY,
        external_id=str(i["inquiryId"]),
        order_id=None,
        line_item_id=str(i["transactionId"]) if i.get("transactionId") else None,
        listing_id=str(i["itemId"]) if i.get("itemId") else None,
        ebay_status=status,
        status=whose,
        reason=i.get("desiredOutcome") or "ITEM_NOT_RECEIVED",
        buyer=i.get("buyer"),
        amount=value if currency else None,
        currency=currency or None,
        respond_by=_date(i.get("respondByDate")) if whose is CaseStatus.AWAITING_SELLER else None,
        actions=actions,
        opened_at=_date(i.get("creationDate")) or when(None),
    )


def dispute_case(d: dict[str, Any]) -> RemoteCase:
    status = str(d.get("paymentDisputeStatus"))
    value, currency = money(d.get("amount"))
    choices = tuple(DISPUTE_CHOICES[c] for c in d.get("availableChoices") or [] if c in DISPUTE_CHOICES)
    if status == "ACTION_NEEDED":
        whose = CaseStatus.AWAITING_SELLER
    else:
        whose = CaseStatus.CLOSED if status == "CLOSED" else CaseStatus.AWAITING_EBAY
    lines = d.get("lineItems") or []
    return RemoteCase(
        kind=CaseKind.PAYMENT_DISPUTE,
        external_id=str(d["paymentDisputeId"]),
        order_id=str(d["orderId"]) if d.get("orderId") else None,
        line_item_id=str(lines[0]["lineItemId"]) if len(lines) == 1 else None,
        listing_id=str(lines[0]["itemId"]) if len(lines) == 1 else None,
        ebay_status=status,
        status=whose,
        reason=d.get("reason"),
        buyer=d.get("buyerUsername"),
        amount=value if currency else None,
        currency=currency or None,
        respond_by=_date(d.get("respondByDate")) if whose is CaseStatus.AWAITING_SELLER else None,
        actions=choices if whose is CaseStatus.AWAITING_SELLER else (),
        opened_at=_date(d.get("openDate")) or when(None),
        revision=int(d["revision"]) if d.get("revision") is not None else None,
    )
