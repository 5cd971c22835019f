"""After-sale: cases read from eBay into ``ebay_after_sale_cases``, the seller's answers sent to eBay, and
stock given back once per line when a case frees the unit.

Giving back goes through ``ebay_order_lines.cancelled_at`` under a row lock, the same mark reconciliation
uses: a line is given back once whether a sync, a second replica, the seller's action or reconciliation
gets there first.
"""

from __future__ import annotations

import base64
import binascii
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts.catalog import OrderCancelled
from vitrine_contracts.common import Marketplace
from vitrine_kit.db.base import utcnow
from vitrine_kit.pagination import Keyset
from vitrine_marketplace import AuthRevoked, MarketplaceRejected, MarketplaceUnavailable
from vitrine_marketplace.errors import NotFoundOnMarketplace

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.accounts.service import account_service
from marketplace_ebay.after_sale.ebay import EvidenceFile, RemoteCase
from marketplace_ebay.after_sale.errors import (
    ActionNotAllowed,
    BadEvidence,
    CaseNotFound,
    EbayRefused,
    OrderNotFound,
)
from marketplace_ebay.after_sale.models import Action, AfterSaleCase, CaseKind, CaseStatus
from marketplace_ebay.after_sale.schemas import (
    CaseOut,
    CasePage,
    CommentIn,
    ContestIn,
    RejectCancellationIn,
    ReturnRefundIn,
    ShipmentIn,
    ShipmentOut,
    TrackingIn,
)
from marketplace_ebay.context import EbayContext
from marketplace_ebay.ebay_api import EbaySeller
from marketplace_ebay.ebay_orders import iso
from marketplace_ebay.errors import AccountNeedsReconnect, AccountNotFound, EbayUnavailable
from marketplace_ebay.models import EbayAccount, SeenOrderLine
from marketplace_ebay.scope import Scope

logger = logging.getLogger(__name__)
T = TypeVar("T")
MAX_EVIDENCE_BYTES = 1_500_000
# A case without a deadline sorts after every dated one (the cursor needs a value, not NULL).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def _waiting(case: AfterSaleCase) -> int:
    return 0 if case.status is CaseStatus.AWAITING_SELLER else 1


# Waiting on the seller first, the nearest deadline first, then the oldest; the id breaks ties.
TO_DO = Keyset(
    (
        sa.case((AfterSaleCase.status == CaseStatus.AWAITING_SELLER, 0), else_=1),
        sa.func.coalesce(AfterSaleCase.respond_by, NO_DEADLINE),
        AfterSaleCase.opened_at,
        AfterSaleCase.id,
    ),
    TypeAdapter(tuple[int, datetime, datetime, uuid.UUID]),
    descending=False,
    position=lambda c: (_waiting(c), c.respond_by or NO_DEADLINE, c.opened_at, c.id),
)


async def on_ebay(
    session: AsyncSession,
    ctx: EbayContext,
    tenant_id: uuid.UUID,
    account: EbayAccount,
    fn: Callable[[EbaySeller], Awaitable[T]],
) -> T:
    """One eBay call for a seller's request: eBay's refusals and outages become problems the seller reads."""
    try:
        return await account_service.call(session, ctx, tenant_id, account, fn)
    except AuthRevoked as exc:
        raise AccountNeedsReconnect() from exc
    except NotFoundOnMarketplace as exc:
        raise CaseNotFound(exc.message) from exc
    except MarketplaceRejected as exc:
        raise EbayRefused(exc.message, ebay_errors=exc.details or []) from exc
    except MarketplaceUnavailable as exc:
        # A POST that failed this way may still have reached eBay: the next sync shows what eBay holds.
        raise EbayUnavailable(
            f"{exc.message}; eBay did not confirm the answer: check the case again shortly"
        ) from exc


class AfterSaleService:
    # --- reading ------------------------------------------------------------------------------------------

    async def sync(
        self, session: AsyncSession, ctx: EbayContext, tenant_id: uuid.UUID, account: EbayAccount
    ) -> int:
        """Read the account's cases from eBay into the table; returns how many lines went back to stock."""
        since = utcnow() - timedelta(days=ctx.settings.after_sale_lookback_days)

        async def read(seller: EbaySeller) -> list[RemoteCase]:
            return await ctx.after_sale.cases(seller, since)

        released = 0
        for remote in await account_service.call(session, ctx, tenant_id, account, read):
            case = await self.store(session, account.id, remote)
            released += await self.release(session, ctx, tenant_id, account, case, remote)
        return released

    async def store(self, session: AsyncSession, account_id: uuid.UUID, remote: RemoteCase) -> AfterSaleCase:
        """Insert or update the case's row (locked for the rest of the transaction)."""
        order_id = remote.order_id
        if order_id is None and remote.line_item_id is not None:
            # Inquiries name the line only: the order comes from the line reported as sold.
            order_id = await session.scalar(
                sa.select(SeenOrderLine.order_id).where(
                    SeenOrderLine.account_id == account_id, SeenOrderLine.line_item_id == remote.line_item_id
                )
            )
        values: dict[str, Any] = {
            "order_id": order_id,
            "line_item_id": remote.line_item_id,
            "listing_id": remote.listing_id,
            "status": remote.status.value,
            "ebay_status": remote.ebay_status[:64],
            "reason": (remote.reason or "")[:100] or None,
            "buyer": (remote.buyer or "")[:200] or None,
            "amount": remote.amount,
            "currency": remote.currency,
            "respond_by": remote.respond_by,
            "actions": [a.value for a in remote.actions],
            "revision": remote.revision,
            "synced_at": utcnow(),
        }
        case_id = await session.scalar(
            insert(AfterSaleCase)
            .values(
                id=uuid.uuid4(),
                account_id=account_id,
                kind=remote.kind.value,
                external_id=remote.external_id,
                opened_at=remote.opened_at,
                **values,
            )
            .on_conflict_do_update(index_elements=["account_id", "kind", "external_id"], set_=values)
            .returning(AfterSaleCase.id)
        )
        return await session.get_one(AfterSaleCase, case_id, with_for_update=True, populate_existing=True)

    async def release(
        self,
        session: AsyncSession,
        ctx: EbayContext,
        tenant_id: uuid.UUID,
        account: EbayAccount,
        case: AfterSaleCase,
        remote: RemoteCase,
    ) -> int:
        """Give the case's unit(s) back once: ``order.cancelled`` per line reported as sold, never twice."""
        if not remote.releases or case.released_at is not None or case.order_id is None:
            return 0
        reason: Literal["cancelled", "returned"] = (
            "cancelled" if case.kind is CaseKind.CANCELLATION else "returned"
        )
        stmt = sa.select(SeenOrderLine).where(SeenOrderLine.order_id == case.order_id)
        if case.line_item_id is not None:
            stmt = stmt.where(SeenOrderLine.line_item_id == case.line_item_id)
        now = datetime.now(UTC)
        given = 0
        for seen in (await session.scalars(stmt.with_for_update())).all():
            if seen.cancelled_at is not None:
                continue
            seen.cancelled_at = now
            ctx.outbox.add(
                session,
                OrderCancelled(
                    marketplace=Marketplace.EBAY,
                    order_id=seen.order_id,
                    line_id=seen.line_item_id,
                    account_id=account.id,
                    external_listing_id=seen.listing_id,
                    sku=seen.sku,
                    quantity=min(seen.quantity, remote.quantity or seen.quantity),
                    reason=reason,
                    cancelled_at=now,
                ),
                tenant_id=tenant_id,
            )
            given += 1
        case.released_at = now
        return given

    async def cases(
        self,
        scope: Scope,
        *,
        include_closed: bool,
        account_id: uuid.UUID | None,
        limit: int,
        cursor: str | None = None,
    ) -> CasePage:
        """Cases waiting on the seller first, the nearest deadline first; others after when asked for."""
        stmt = sa.select(AfterSaleCase)
        if not include_closed:
            stmt = stmt.where(AfterSaleCase.status == CaseStatus.AWAITING_SELLER)
        if account_id is not None:
            stmt = stmt.where(AfterSaleCase.account_id == account_id)
        rows = (await scope.session.scalars(TO_DO.select(stmt, limit=limit, cursor=cursor))).all()
        items, next_cursor = TO_DO.page(rows, limit)
        return CasePage(items=[CaseOut.model_validate(c) for c in items], next_cursor=next_cursor)

    # --- acting -------------------------------------------------------------------------------------------

    async def _open_case(
        self, scope: Scope, case_id: uuid.UUID, kind: CaseKind, action: Action
    ) -> AfterSaleCase:
        case = await scope.session.get(AfterSaleCase, case_id, with_for_update=True)
        if case is None or case.kind is not kind:
            raise CaseNotFound(f"No {kind.value.replace('_', ' ')} {case_id}")
        if action.value not in case.actions:
            allowed = ", ".join(case.actions) or "nothing (it is not your move)"
            raise ActionNotAllowed(
                f"{action.value} is not open on this {kind.value.replace('_', ' ')} ({case.ebay_status} on eBay); "
                f"open now: {allowed}",
                allowed=case.actions,
            )
        return case

    async def _account(self, scope: Scope, account_id: uuid.UUID) -> EbayAccount:
        account = await accounts.get(scope.session, account_id)
        if account is None:
            raise AccountNotFound()
        return account

    async def act(
        self,
        scope: Scope,
        case_id: uuid.UUID,
        kind: CaseKind,
        action: Action,
        send: Callable[[EbaySeller, AfterSaleCase], Awaitable[None]],
    ) -> CaseOut:
        """Send the seller's answer, read the case again from eBay, and give stock back if it freed a unit."""
        case = await self._open_case(scope, case_id, kind, action)
        account = await self._account(scope, case.account_id)
        ctx, session = scope.context, scope.session

        async def answer(seller: EbaySeller) -> RemoteCase | None:
            await send(seller, case)
            try:
                return await ctx.after_sale.case(seller, case.kind, case.external_id)
            except MarketplaceUnavailable:
                # The answer reached eBay; the next sync reads the case's new state.
                logger.warning("after-sale case not read back", extra={"case": str(case.id)})
                return None

        remote = await on_ebay(session, ctx, scope.tenant_id, account, answer)
        if remote is None:
            case.actions = []  # nothing is open until eBay says so again
            return CaseOut.model_validate(case)
        case = await self.store(session, account.id, remote)
        await self.release(session, ctx, scope.tenant_id, account, case, remote)
        logger.info("after-sale answered", extra={"case": str(case.id), "action": action.value})
        return CaseOut.model_validate(case)

    async def approve_cancellation(self, scope: Scope, case_id: uuid.UUID) -> CaseOut:
        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"cancellation/{case.external_id}/approve", "approve the cancellation", None
            )

        return await self.act(scope, case_id, CaseKind.CANCELLATION, Action.APPROVE_CANCELLATION, send)

    async def reject_cancellation(
        self, scope: Scope, case_id: uuid.UUID, body: RejectCancellationIn
    ) -> CaseOut:
        payload: dict[str, Any] = {}  # eBay wants at least {}
        if body.shipped_at:
            payload["shipmentDate"] = {"value": iso(body.shipped_at)}
        if body.tracking_number:
            payload["trackingNumber"] = body.tracking_number

        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"cancellation/{case.external_id}/reject", "reject the cancellation", payload
            )

        return await self.act(scope, case_id, CaseKind.CANCELLATION, Action.REJECT_CANCELLATION, send)

    async def decide_return(self, scope: Scope, case_id: uuid.UUID, accept: bool, body: CommentIn) -> CaseOut:
        payload = {"decision": "ACCEPT" if accept else "DECLINE", "comments": {"content": body.comment}}

        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"return/{case.external_id}/decide", "answer the return", payload
            )

        action = Action.ACCEPT_RETURN if accept else Action.DECLINE_RETURN
        return await self.act(scope, case_id, CaseKind.RETURN, action, send)

    async def refund_return(self, scope: Scope, case_id: uuid.UUID, body: ReturnRefundIn) -> CaseOut:
        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            amount = body.amount if body.amount is not None else case.amount
            if amount is None or case.currency is None:
                raise EbayRefused("eBay gave no amount for this return: read it again before refunding")
            money = {"value": f"{Decimal(amount):.2f}", "currency": case.currency}
            payload = {
                "refundDetail": {
                    "itemizedRefundDetail": [{"refundAmount": money, "refundFeeType": "PURCHASE_PRICE"}],
                    "totalAmount": money,
                },
                "comments": {"content": body.comment},
            }
            await scope.context.after_sale.post_order(
                seller, f"return/{case.external_id}/issue_refund", "refund the return", payload
            )

        return await self.act(scope, case_id, CaseKind.RETURN, Action.REFUND_RETURN, send)

    async def mark_return_received(self, scope: Scope, case_id: uuid.UUID) -> CaseOut:
        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"return/{case.external_id}/mark_as_received", "mark the return received", {}
            )

        return await self.act(scope, case_id, CaseKind.RETURN, Action.MARK_RETURN_RECEIVED, send)

    async def inquiry_tracking(self, scope: Scope, case_id: uuid.UUID, body: TrackingIn) -> CaseOut:
        payload = {
            "shippingCarrierName": body.carrier,
            "trackingNumber": body.tracking_number,
            "comments": {"content": body.comment},
        }

        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"inquiry/{case.external_id}/provide_shipment_info", "give the tracking", payload
            )

        return await self.act(scope, case_id, CaseKind.INQUIRY, Action.PROVIDE_TRACKING, send)

    async def inquiry_refund(self, scope: Scope, case_id: uuid.UUID, body: CommentIn) -> CaseOut:
        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            await scope.context.after_sale.post_order(
                seller, f"inquiry/{case.external_id}/issue_refund", "refund the buyer",
                {"comments": {"content": body.comment}},
            )  # fmt: skip

        return await self.act(scope, case_id, CaseKind.INQUIRY, Action.REFUND_INQUIRY, send)

    async def accept_dispute(self, scope: Scope, case_id: uuid.UUID) -> CaseOut:
        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            revision = (await scope.context.after_sale.dispute(seller, case.external_id)).revision
            await scope.context.after_sale.dispute_action(
                seller, case.external_id, "accept", {"revision": revision}
            )

        return await self.act(scope, case_id, CaseKind.PAYMENT_DISPUTE, Action.ACCEPT_DISPUTE, send)

    async def contest_dispute(self, scope: Scope, case_id: uuid.UUID, body: ContestIn) -> CaseOut:
        files = [self._evidence_file(n, e.evidence_type, e.filename, e.content_type, e.content_base64)
                 for n, e in enumerate(body.evidence)]  # fmt: skip
        payload: dict[str, Any] = {"note": body.note}
        if body.return_address is not None:
            a = body.return_address
            payload["returnAddress"] = {
                "fullName": a.full_name, "addressLine1": a.address_line1, "city": a.city,
                "postalCode": a.postal_code, "country": a.country.upper(),
                "primaryPhone": {"phoneNumber": a.phone},
            }  # fmt: skip

        async def send(seller: EbaySeller, case: AfterSaleCase) -> None:
            api = scope.context.after_sale
            if files:
                await api.add_evidence(seller, case.external_id, files)
            # Adding evidence moves the revision: read it right before answering.
            payload["revision"] = (await api.dispute(seller, case.external_id)).revision
            await api.dispute_action(seller, case.external_id, "contest", payload)

        return await self.act(scope, case_id, CaseKind.PAYMENT_DISPUTE, Action.CONTEST_DISPUTE, send)

    @staticmethod
    def _evidence_file(
        n: int, evidence_type: str, filename: str, content_type: str, raw: str
    ) -> EvidenceFile:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadEvidence(f"evidence[{n}].content_base64 is not base64", field=f"evidence[{n}]") from exc
        if len(data) > MAX_EVIDENCE_BYTES:
            raise BadEvidence(f"evidence[{n}] is over 1.5 MB", field=f"evidence[{n}]")
        return EvidenceFile(evidence_type, filename, content_type, data)

    # --- shipping -----------------------------------------------------------------------------------------

    async def ship(self, scope: Scope, order_id: str, body: ShipmentIn) -> ShipmentOut:
        """Tracking for an order Vitrine reported (every line, or those named)."""
        seen: Sequence[SeenOrderLine] = (
            await scope.session.scalars(sa.select(SeenOrderLine).where(SeenOrderLine.order_id == order_id))
        ).all()
        if not seen:
            raise OrderNotFound(f"No eBay order {order_id} was reported to Vitrine")
        lines = {x.line_item_id: x for x in seen}
        wanted = body.line_item_ids or list(lines)
        unknown = [x for x in wanted if x not in lines]
        if unknown:
            raise OrderNotFound(f"Order {order_id} has no line {', '.join(unknown)}", line_item_ids=unknown)
        account = await self._account(scope, seen[0].account_id)
        shipped_at = body.shipped_at or datetime.now(UTC)

        async def send(seller: EbaySeller) -> str:
            return await scope.context.after_sale.ship(
                seller, order_id, [(x, lines[x].quantity) for x in wanted], body.carrier, body.tracking_number,
                shipped_at,
            )  # fmt: skip

        fulfillment = await on_ebay(scope.session, scope.context, scope.tenant_id, account, send)
        return ShipmentOut(order_id=order_id, fulfillment_id=fulfillment, line_item_ids=wanted)


after_sale_service = AfterSaleService()
