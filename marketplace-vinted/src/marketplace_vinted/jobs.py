"""The plugin's job queue per tenant: enqueue (idempotent by key), pacing, dispatch, results."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vitrine_contracts import Event
from vitrine_contracts.catalog import (
    OrderReceived,
    ProductSnapshot,
    PublicationDelisted,
    PublicationDelistFailed,
    PublicationFailed,
    PublicationStarted,
    PublicationSucceeded,
)
from vitrine_contracts.common import Marketplace, Money
from vitrine_contracts.marketplace import AccountSessionExpired
from vitrine_contracts.relay.v1 import WRITE_KINDS, JobKind, SalesData, VintedSession, WardrobeData
from vitrine_contracts.vinted import VintedItemImported, VintedJobCompleted, VintedJobDispatch
from vitrine_kit.db.base import utcnow
from vitrine_kit.events.outbox import Outbox

from marketplace_vinted.config import Settings
from marketplace_vinted.models import (
    Alert,
    DispatchTenant,
    Job,
    Listing,
    PluginDevice,
    SeenOrder,
    VintedAccount,
)
from marketplace_vinted.photos import PhotoResolver, PhotosUnavailable

WRITES = {k.value for k in WRITE_KINDS}
ACCOUNT_NS = uuid.UUID("6f1d0c1e-5b7a-4e57-9a55-1d2b0f7c9a10")  # account id = uuid5(ACCOUNT_NS, tenant id)
# Writes an event to the outbox in the caller's transaction.
Emit = Callable[[AsyncSession, Event], object]


class ListingRuleError(ValueError):
    """The product breaks one of Vinted's listing rules (title, price, photos, mapping)."""


def vinted_item(snapshot: ProductSnapshot) -> dict[str, Any]:
    """The Vinted write body of a product: attributes mapped to Vinted ids, Vinted's title and price rules."""
    title = " ".join(snapshot.title.split())
    if len(title) > 100:  # Vinted caps titles; cut at a word
        title = title[:100].rsplit(" ", 1)[0]
    if len(title) < 5:
        raise ListingRuleError("title: Vinted needs at least 5 characters")
    price = snapshot.price.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if price < 1:
        raise ListingRuleError("price: Vinted's minimum is 1.00")
    if not snapshot.images:
        raise ListingRuleError("images: Vinted needs at least one photo")
    m = snapshot.mapping
    if not m.category_id or not m.condition_id:
        raise ListingRuleError("mapping: Vinted catalog_id and status_id are required")
    extra = m.extra
    size_id, status_id = extra.get("size_id"), int(m.condition_id)
    attributes = [{"code": "condition", "ids": [status_id]}]
    if size_id:
        attributes.append({"code": "size", "ids": [int(size_id)]})
    return {
        "id": None,
        "currency": snapshot.price.currency,
        "title": title,
        "description": snapshot.description[:2000],
        "brand_id": extra.get("brand_id"),
        "brand": snapshot.brand,
        "catalog_id": int(m.category_id),
        "isbn": None,
        "is_unisex": False,
        "ai_photo": False,
        "price": float(price),
        "package_size_id": extra.get("package_size_id", 1),
        "shipment_prices": {"domestic": None, "international": None},
        "color_ids": [int(c) for c in extra.get("color_ids", [])][:2],
        "measurement_length": None,
        "measurement_width": None,
        "item_attributes": attributes,
        "size_id": int(size_id) if size_id else None,
        "status_id": status_id,
        "manufacturer": None,
        "manufacturer_labelling": None,
    }


class JobService:
    def __init__(self, settings: Settings, photos: PhotoResolver | None = None) -> None:
        self.settings = settings
        self.photos = photos  # None: the photo URLs stored in the job go out as they are

    async def account(self, session: AsyncSession, tenant_id: uuid.UUID) -> VintedAccount:
        """The tenant's one account row, locked; made on first use (its id is derived from the tenant, so
        two transactions making it at once end with one row)."""
        s, account_id = self.settings, uuid.uuid5(ACCOUNT_NS, str(tenant_id))
        await session.execute(
            insert(VintedAccount)
            .values(
                id=account_id,
                logged_in=False,
                writes_per_hour=s.writes_per_hour,
                min_gap_s=s.min_gap_s,
                max_gap_s=s.max_gap_s,
                pause_every=s.pause_every,
                pause_s=s.pause_s,
                writes_since_pause=0,
                next_write_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        return (
            await session.execute(
                sa.select(VintedAccount)
                .where(VintedAccount.id == account_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one()

    async def enqueue(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        kind: JobKind,
        params: dict[str, Any],
        key: str,
        *,
        context: dict[str, Any] | None = None,
        priority: int = 5,
    ) -> Job:
        """Add a job unless one with ``key`` exists (a retried request never makes a second job)."""
        await session.execute(
            insert(Job)
            .values(
                id=uuid.uuid4(),
                idempotency_key=key,
                kind=kind.value,
                status="queued",
                priority=priority,
                params=params,
                context=context or {},
                attempt=0,
                not_before=utcnow(),
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        await self.wake(session, tenant_id)
        return (await session.execute(sa.select(Job).where(Job.idempotency_key == key))).scalar_one()

    async def wake(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        at: datetime | None = None,
        online: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {"wake_at": at or utcnow()}
        if online is not None:
            values["online"] = online
        await session.execute(
            insert(DispatchTenant)
            .values({"tenant_id": tenant_id, "online": bool(online)} | values)
            .on_conflict_do_update(index_elements=["tenant_id"], set_=values)
        )

    async def online_devices(self, session: AsyncSession) -> list[PluginDevice]:
        rows = await session.execute(
            sa.select(PluginDevice).where(PluginDevice.online).order_by(PluginDevice.device_id)
        )
        return list(rows.scalars())

    async def devices_offline(
        self, session: AsyncSession, tenant_id: uuid.UUID, *where: sa.ColumnElement[bool]
    ) -> list[uuid.UUID]:
        """Take the devices matching ``where`` offline: their dispatched jobs are queued again at once (no
        lease wait), and with no plugin left online each waiting delist raises ``delist_waiting_for_plugin``."""
        gone = list(
            (
                await session.execute(
                    sa.update(PluginDevice)
                    .where(PluginDevice.online, *where)
                    .values(online=False)
                    .returning(PluginDevice.device_id)
                )
            ).scalars()
        )
        if gone:
            await session.execute(
                sa.update(Job)
                .where(Job.device_id.in_(gone), Job.status == "dispatched")
                .values(status="queued", not_before=utcnow())
            )
        online = bool(await self.online_devices(session))
        if not online:
            await self.alert_waiting_delists(session)
        await self.wake(session, tenant_id, online=online)
        return gone

    async def alert_waiting_delists(self, session: AsyncSession) -> None:
        """One open ``delist_waiting_for_plugin`` alert per delist still waiting (none twice)."""
        waiting = (
            await session.execute(
                sa.select(Job.context["publication_id"].astext).where(
                    Job.kind == JobKind.DELIST.value,
                    Job.status.in_(("queued", "dispatched")),
                    Job.context.has_key("publication_id"),
                )
            )
        ).scalars()
        open_ = set(
            (
                await session.execute(
                    sa.select(Alert.subject).where(
                        Alert.kind == "delist_waiting_for_plugin", Alert.resolved_at.is_(None)
                    )
                )
            ).scalars()
        )
        for publication_id in set(waiting) - open_:
            session.add(
                Alert(
                    kind="delist_waiting_for_plugin",
                    subject=publication_id,
                    message="An item sold elsewhere is still on Vinted: open your browser with the "
                    "Vitrine plugin so it can be deleted.",
                )
            )

    async def budget(self, session: AsyncSession, account: VintedAccount) -> dict[str, Any]:
        """What the seller sees: writes used in the last hour and what is left."""
        used = await self._writes_last_hour(session)
        return {
            "writes_per_hour": account.writes_per_hour,
            "used_last_hour": used,
            "remaining": max(account.writes_per_hour - used, 0),
            "next_write_at": account.next_write_at,
            "blocked_until": account.blocked_until,
            "min_gap_s": account.min_gap_s,
            "max_gap_s": account.max_gap_s,
            "pause_every": account.pause_every,
            "pause_s": account.pause_s,
        }

    async def _writes_last_hour(self, session: AsyncSession) -> int:
        since = utcnow() - timedelta(hours=1)
        return int(
            (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(Job)
                    .where(Job.kind.in_(WRITES), Job.dispatched_at > since)
                )
            ).scalar_one()
        )

    async def dispatch(self, session: AsyncSession, tenant_id: uuid.UUID, emit: Emit) -> None:
        """Hand due jobs to online plugins within their in-flight bound and the account's pacing."""
        now = utcnow()
        await session.execute(
            sa.update(Job).where(Job.status == "dispatched", Job.lease_until < now).values(status="queued")
        )
        devices = await self.online_devices(session)
        if not devices:
            await self.wake(session, tenant_id, now + timedelta(seconds=60), online=False)
            return
        await self._schedule_syncs(session, now)
        account = await self.account(session, tenant_id)
        busy = dict(
            (
                await session.execute(
                    sa.select(Job.device_id, sa.func.count())
                    .where(Job.status == "dispatched")
                    .group_by(Job.device_id)
                )
            ).all()
        )
        free = {d.device_id: d.max_in_flight - busy.get(d.device_id, 0) for d in devices}
        by_id = {d.device_id: d for d in devices}
        write_running = bool(
            (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(Job)
                    .where(Job.status == "dispatched", Job.kind.in_(WRITES))
                )
            ).scalar_one()
        )
        used = await self._writes_last_hour(session)
        queued = (
            await session.execute(
                sa.select(Job)
                .where(Job.status == "queued", Job.not_before <= now)
                .order_by(Job.priority, Job.created_at)
                .limit(50)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        next_wake = now + timedelta(seconds=self.settings.idle_wake_s)
        for job in queued:
            device_id = max(free, key=lambda d: (free[d], str(d)))
            if free[device_id] <= 0:
                break
            if job.kind in WRITES:
                wait = self._pacing_wait(account, job, used, write_running, now)
                if wait is not None:
                    next_wake = min(next_wake, wait)
                    continue
            params = job.params
            if self.photos is not None and params.get("photos"):
                try:
                    params = params | {"photos": await self.photos.resolve(tenant_id, params["photos"])}
                except PhotosUnavailable:
                    job.not_before = now + timedelta(seconds=10)
                    next_wake = min(next_wake, job.not_before)
                    continue
            if job.kind in WRITES:
                used += 1
                write_running = True
                self._after_write(account, now)
            job.status, job.device_id, job.attempt = "dispatched", device_id, job.attempt + 1
            job.dispatched_at, job.lease_until = now, now + timedelta(seconds=self.settings.lease_s)
            free[device_id] -= 1
            if job.kind == JobKind.PUBLISH.value and "publication_id" in job.context:
                # The seller sees the listing under way (pacing may have kept it queued until now).
                emit(
                    session,
                    PublicationStarted(
                        publication_id=job.context["publication_id"],
                        product_id=job.context["product_id"],
                        marketplace=Marketplace.VINTED,
                        attempt=job.attempt,
                    ),
                )
            emit(
                session,
                VintedJobDispatch(
                    job_id=job.id,
                    tenant_id=tenant_id,
                    device_id=device_id,
                    relay_instance=by_id[device_id].relay_instance,
                    kind=JobKind(job.kind),
                    attempt=job.attempt,
                    deadline_s=self.settings.lease_s,
                    params=params,
                ),
            )
        due = (
            await session.execute(
                sa.select(sa.func.min(Job.not_before)).where(Job.status == "queued", Job.not_before > now)
            )
        ).scalar_one()
        if due is not None:
            next_wake = min(next_wake, due)
        await self.wake(session, tenant_id, next_wake, online=True)

    def _pacing_wait(
        self, account: VintedAccount, job: Job, used: int, write_running: bool, now: datetime
    ) -> datetime | None:
        """None if the write may go now, else when to look again. Delists skip gaps and use a reserve."""
        if account.blocked_until and account.blocked_until > now:
            return account.blocked_until
        if not account.logged_in and account.session_checked_at is not None:
            return now + timedelta(seconds=30)
        if job.kind == JobKind.DELIST.value:
            return None if used < account.writes_per_hour else now + timedelta(seconds=60)
        if used >= max(account.writes_per_hour - self.settings.delist_reserve, 0):
            return now + timedelta(seconds=60)
        if write_running:
            return now + timedelta(seconds=1)
        return None if account.next_write_at <= now else account.next_write_at

    def _after_write(self, account: VintedAccount, now: datetime) -> None:
        gap = random.uniform(account.min_gap_s, account.max_gap_s)
        account.writes_since_pause += 1
        if account.pause_every and account.writes_since_pause >= account.pause_every:
            gap += account.pause_s
            account.writes_since_pause = 0
        account.next_write_at = max(account.next_write_at, now) + timedelta(seconds=gap)

    async def _schedule_syncs(self, session: AsyncSession, now: datetime) -> None:
        bucket = int(now.timestamp() // self.settings.sync_interval_s)
        for kind in (JobKind.SYNC_SALES, JobKind.SYNC_WARDROBE):
            await session.execute(
                insert(Job)
                .values(
                    id=uuid.uuid4(),
                    idempotency_key=f"{kind.value}:{bucket}",
                    kind=kind.value,
                    status="queued",
                    priority=3,
                    params={},
                    context={},
                    attempt=0,
                    not_before=now,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )

    async def complete(
        self, session: AsyncSession, tenant_id: uuid.UUID, event: VintedJobCompleted, emit: Emit
    ) -> None:
        """Apply a result once: a second result for a finished job is ignored."""
        job = await session.get(Job, event.job_id, with_for_update=True)
        if job is None or job.status in ("succeeded", "failed"):
            return
        now = utcnow()
        if event.outcome == "undelivered":
            job.status, job.not_before = "queued", now + timedelta(seconds=1)
            await self.wake(session, tenant_id, job.not_before)
            return
        job.calls = [c.model_dump(mode="json") for c in event.calls]
        if event.outcome == "failed" and event.error is not None:
            await self._failed(session, tenant_id, job, event, emit)
            return
        job.status, job.completed_at, job.result = "succeeded", now, event.data
        await self._apply(session, tenant_id, job, event.data, emit)
        await self.wake(session, tenant_id)

    async def _failed(
        self, session: AsyncSession, tenant_id: uuid.UUID, job: Job, event: VintedJobCompleted, emit: Emit
    ) -> None:
        assert event.error is not None
        now, code = utcnow(), event.error.code
        job.error = event.error.model_dump(mode="json")
        account = await self.account(session, tenant_id)
        if code in ("rate_limited", "datadome", "session_expired", "network", "no_vinted_tab", "csrf"):
            job.status = "queued"
            if code == "rate_limited":
                job.not_before = now + timedelta(seconds=event.error.retry_after_s or random.uniform(30, 60))
            elif code == "datadome":
                account.blocked_until = now + timedelta(seconds=self.settings.block_pause_s)
            elif code == "session_expired":
                await self.session_reported(
                    session, tenant_id, VintedSession(logged_in=False, checked_at=now), emit
                )
            await self.wake(session, tenant_id, max(job.not_before, now + timedelta(seconds=1)))
            return
        job.status, job.completed_at = "failed", now
        ctx = job.context
        if job.kind == JobKind.PUBLISH.value and "publication_id" in ctx:
            await session.execute(
                sa.update(Listing)
                .where(Listing.publication_id == uuid.UUID(ctx["publication_id"]))
                .values(status="failed")
            )
            emit(
                session,
                PublicationFailed(
                    publication_id=ctx["publication_id"],
                    product_id=ctx["product_id"],
                    marketplace=Marketplace.VINTED,
                    reason=event.error.message,
                    code=code,
                    retryable=False,
                ),
            )
        if job.kind == JobKind.DELIST.value and "publication_id" in ctx:
            emit(
                session,
                PublicationDelistFailed(
                    publication_id=ctx["publication_id"],
                    product_id=ctx["product_id"],
                    marketplace=Marketplace.VINTED,
                    reason=event.error.message,
                ),
            )

    async def _apply(
        self, session: AsyncSession, tenant_id: uuid.UUID, job: Job, data: dict[str, Any], emit: Emit
    ) -> None:
        ctx, now = job.context, utcnow()
        if job.kind == JobKind.PUBLISH.value:
            listing = await session.get(Listing, uuid.UUID(ctx["publication_id"]))
            assert listing is not None
            listing.vinted_item_id, listing.url, listing.status, listing.listed_at = (
                int(data["item_id"]),
                data.get("url"),
                "live",
                now,
            )
            emit(
                session,
                PublicationSucceeded(
                    publication_id=listing.publication_id,
                    product_id=listing.product_id,
                    marketplace=Marketplace.VINTED,
                    external_id=str(data["item_id"]),
                    url=data.get("url"),
                    listed_at=now,
                ),
            )
        elif job.kind == JobKind.DELIST.value and "publication_id" in ctx:
            listing = await session.get(Listing, uuid.UUID(ctx["publication_id"]))
            if listing is not None and listing.status == "live":
                listing.status, listing.closed_at = "delisted", now
            emit(
                session,
                PublicationDelisted(
                    publication_id=ctx["publication_id"],
                    product_id=ctx["product_id"],
                    marketplace=Marketplace.VINTED,
                    delisted_at=now,
                    by="vitrine",
                ),
            )
            await session.execute(
                sa.update(Alert)
                .where(Alert.subject == ctx["publication_id"], Alert.resolved_at.is_(None))
                .values(resolved_at=now)
            )
        elif job.kind == JobKind.SYNC_SALES.value:
            await self._sales(session, SalesData.model_validate(data), emit)
        elif job.kind == JobKind.SYNC_WARDROBE.value:
            await self._wardrobe(session, tenant_id, WardrobeData.model_validate(data), emit)
        elif job.kind == JobKind.FETCH_ITEM.value and ctx.get("import"):
            item = data.get("item", {})
            emit(
                session,
                VintedItemImported(
                    vinted_item_id=item["id"],
                    title=item.get("title", ""),
                    description=item.get("description", ""),
                    price=Money(
                        amount=Decimal(str(item.get("price", 0))), currency=item.get("currency", "EUR")
                    ),
                    catalog_id=item.get("catalog_id"),
                    brand_id=item.get("brand_id"),
                    brand=item.get("brand"),
                    status_id=item.get("status_id"),
                    size_id=item.get("size_id"),
                    color_ids=item.get("color_ids", []),
                    photo_urls=[p["url"] for p in item.get("photos", [])],
                    url=item.get("url"),
                ),
            )

    async def _sales(self, session: AsyncSession, sales: SalesData, emit: Emit) -> None:
        for order in sales.orders:
            fresh = (
                await session.execute(
                    insert(SeenOrder)
                    .values(
                        transaction_id=order.transaction_id, vinted_item_id=order.item_id, seen_at=utcnow()
                    )
                    .on_conflict_do_nothing()
                    .returning(SeenOrder.transaction_id)
                )
            ).scalar()
            if fresh is None:
                continue
            listing = (
                await session.execute(sa.select(Listing).where(Listing.vinted_item_id == order.item_id))
            ).scalar_one_or_none()
            if listing is not None:
                listing.status, listing.closed_at = "sold", utcnow()
            emit(
                session,
                OrderReceived(
                    marketplace=Marketplace.VINTED,
                    order_id=str(order.transaction_id),
                    external_listing_id=str(order.item_id),
                    publication_id=listing.publication_id if listing else None,
                    price=Money(amount=Decimal(order.price), currency=order.currency),
                    buyer=order.buyer,
                    ordered_at=order.date or utcnow(),
                ),
            )

    async def _wardrobe(
        self, session: AsyncSession, tenant_id: uuid.UUID, wardrobe: WardrobeData, emit: Emit
    ) -> None:
        for item in wardrobe.missing:
            listing = (
                await session.execute(sa.select(Listing).where(Listing.vinted_item_id == item.id))
            ).scalar_one_or_none()
            if listing is None or listing.status != "live":
                continue
            if item.item_closing_action == "sold":  # the order comes through sync_sales
                await self.enqueue(
                    session, tenant_id, JobKind.SYNC_SALES, {}, f"sync_sales:sold:{item.id}", priority=1
                )
            else:
                listing.status, listing.closed_at = "deleted", utcnow()
                emit(
                    session,
                    PublicationDelisted(
                        publication_id=listing.publication_id,
                        product_id=listing.product_id,
                        marketplace=Marketplace.VINTED,
                        delisted_at=utcnow(),
                        by="seller_on_marketplace",
                    ),
                )

    async def session_reported(
        self, session: AsyncSession, tenant_id: uuid.UUID, report: VintedSession, emit: Emit
    ) -> None:
        """Keep the account as the plugin sees it; alert once when it expires with listings live."""
        account = await self.account(session, tenant_id)
        now = utcnow()
        account.logged_in, account.session_checked_at = report.logged_in, report.checked_at or now
        if report.logged_in:
            account.vinted_user_id, account.login, account.domain = (
                report.user_id,
                report.login,
                report.domain,
            )
            account.session_expired_at = None
            await session.execute(
                sa.update(Alert)
                .where(Alert.kind == "session_expired", Alert.resolved_at.is_(None))
                .values(resolved_at=now)
            )
            await self.wake(session, tenant_id)
            return
        if account.session_expired_at is not None:
            return
        account.session_expired_at = now
        live = int(
            (
                await session.execute(
                    sa.select(sa.func.count()).select_from(Listing).where(Listing.status == "live")
                )
            ).scalar_one()
        )
        if live:
            session.add(
                Alert(
                    kind="session_expired",
                    message=f"Your Vinted session expired with {live} live "
                    "listings: log in to Vinted in your browser so sales can be synced and delisted.",
                )
            )
            emit(
                session,
                AccountSessionExpired(
                    marketplace=Marketplace.VINTED, account_id=account.id, live_listings=live
                ),
            )


def outbox_emitter(outbox: Outbox, tenant_id: uuid.UUID) -> Emit:
    """An ``emit(session, event)`` writing to the outbox in the caller's transaction."""

    def emit(session: AsyncSession, event: Event) -> None:
        outbox.add(session, event, tenant_id=tenant_id)

    return emit
