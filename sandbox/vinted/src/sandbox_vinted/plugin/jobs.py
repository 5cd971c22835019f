"""The job handlers: each kind's params parsed with the relay contract's model, Vinted called through the
tab, the answer built from the kind's data model (``contracts/relay/README.md``, job kinds)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pydantic import ValidationError
from vitrine_contracts.relay.v1 import (
    DelistData,
    DelistParams,
    FetchItemData,
    FetchItemParams,
    FetchReferenceParams,
    ItemBody,
    JobData,
    JobError,
    JobKind,
    PhotoRef,
    PublishData,
    PublishParams,
    ReferenceData,
    ReferenceKind,
    SalesData,
    SoldItem,
    SoldOrder,
    SyncSalesParams,
    SyncWardrobeParams,
    UpdateData,
    UpdateParams,
    WardrobeData,
    WardrobeItem,
    parse_params,
)

from sandbox_vinted.plugin.parts import KeptLists
from sandbox_vinted.plugin.tab import VintedFailure, VintedTab


class JobRunner:
    """Runs one job of any kind in the tab; photos are fetched with ``photos_http`` when given (tests
    serve them from an in-process app)."""

    def __init__(self, tab: VintedTab, photos_http: httpx.AsyncClient | None = None) -> None:
        self.tab = tab
        self.photos_http = photos_http
        self.lists = KeptLists()

    async def run(self, kind: JobKind, raw: dict[str, Any]) -> JobData:
        """The job's data; ``VintedFailure`` when Vinted (or the params) said no."""
        try:
            params = parse_params(kind, raw)
        except ValidationError as exc:
            raise VintedFailure(JobError(code="plugin_error", message=f"invalid params: {exc}")) from exc
        handlers: dict[JobKind, Callable[[Any], Awaitable[JobData]]] = {
            JobKind.PUBLISH: self.publish,
            JobKind.UPDATE: self.update,
            JobKind.DELIST: self.delist,
            JobKind.SYNC_WARDROBE: self.wardrobe,
            JobKind.SYNC_SALES: self.sales,
            JobKind.FETCH_ITEM: self.fetch_item,
            JobKind.FETCH_REFERENCE: self.reference,
        }
        return await handlers[kind](params)

    async def publish(self, p: PublishParams) -> PublishData:
        temp_uuid = str(uuid.uuid4())
        photo_ids = await self._upload_photos(p.photos, temp_uuid)
        item = _body(p.item) | {
            "temp_uuid": temp_uuid,
            "assigned_photos": [{"id": i, "orientation": 0} for i in photo_ids],
        }
        body = {
            "item": item,
            "feedback_id": None,
            "push_up": False,
            "parcel": None,
            "upload_session_id": temp_uuid,
        }
        created = await self.tab.call("POST", "/item_upload/items", json=body, write=True)
        return PublishData(item_id=created["item"]["id"], url=created["item"].get("url"), photo_ids=photo_ids)

    async def update(self, p: UpdateParams) -> UpdateData:
        item = _body(p.item) | {"id": p.item_id}
        if p.photos:
            ids = await self._upload_photos(p.photos, str(uuid.uuid4()))
            item["assigned_photos"] = [{"id": i, "orientation": 0} for i in ids]
        else:  # the photos stay as they are on Vinted
            current = await self.tab.call("GET", f"/item_upload/items/{p.item_id}")
            item.setdefault("assigned_photos", current["item"].get("assigned_photos"))
        await self.tab.call("PUT", f"/item_upload/items/{p.item_id}", json={"item": item}, write=True)
        return UpdateData(item_id=p.item_id)

    async def delist(self, p: DelistParams) -> DelistData:
        try:
            await self.tab.call("POST", f"/items/{p.item_id}/delete", write=True)
        except VintedFailure as failure:
            if failure.error.code == "not_found":
                return DelistData(item_id=p.item_id, already_gone=True)
            raise
        return DelistData(item_id=p.item_id, already_gone=False)

    async def fetch_item(self, p: FetchItemParams) -> FetchItemData:
        return FetchItemData.model_validate(await self.tab.call("GET", f"/item_upload/items/{p.item_id}"))

    async def reference(self, p: FetchReferenceParams) -> ReferenceData:
        async def read() -> dict[str, Any]:
            body: dict[str, Any] = await self.tab.call("GET", _reference_path(p))
            return body

        if p.part_bytes is not None:
            return await self.lists.part(p, read)
        return ReferenceData.model_validate(await read())

    async def wardrobe(self, p: SyncWardrobeParams) -> WardrobeData:
        session = await self.tab.session()
        if not session.logged_in:
            raise VintedFailure(JobError(code="session_expired", message="not logged in", http_status=401))
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self.tab.call(
                "GET", f"/wardrobe/{session.user_id}/items?page={page}&per_page={p.per_page}&order=relevance"
            )
            items.extend(body["items"])
            if len(body["items"]) < p.per_page:
                break
            page += 1
        seen = {i["id"] for i in items}
        missing = []
        for item_id in p.known_item_ids:
            if item_id in seen:
                continue
            try:
                missing.append((await self.tab.call("GET", f"/items/{item_id}"))["item"])
            except VintedFailure as failure:
                if failure.error.code != "not_found":
                    raise
                missing.append({"id": item_id, "is_closed": True, "item_closing_action": "deleted"})
        return WardrobeData(
            items=[_wardrobe_item(i) for i in items], missing=[_wardrobe_item(i) for i in missing]
        )

    async def sales(self, p: SyncSalesParams) -> SalesData:
        orders: list[SoldOrder] = []
        for page in range(1, p.max_pages + 1):
            body = await self.tab.call(
                "GET", f"/my_orders?type=sold&status={p.status}&page={page}&per_page={p.per_page}"
            )
            orders.extend(_sold_order(o) for o in body["my_orders"])
            if len(body["my_orders"]) < p.per_page:
                break
        return SalesData(orders=orders)

    async def _upload_photos(self, photos: list[PhotoRef], temp_uuid: str) -> list[int]:
        ids = []
        async with contextlib.AsyncExitStack() as stack:
            fetcher = self.photos_http
            if fetcher is None:
                fetcher = await stack.enter_async_context(httpx.AsyncClient(timeout=15))
            for photo in photos:
                image = (await fetcher.get(photo.url)).content
                files = {
                    "photo[type]": (None, "item"),
                    "photo[temp_uuid]": (None, temp_uuid),
                    "photo[file]": ("photo.jpg", image, "image/jpeg"),
                }
                ids.append(int((await self.tab.call("POST", "/photos", files=files, write=True))["id"]))
        return ids


def _body(item: ItemBody) -> dict[str, Any]:
    """The item as Vinted's write body (the fields Vitrine does not model included, as they came)."""
    return item.model_dump(mode="json")


def _reference_path(p: FetchReferenceParams) -> str:
    catalog_id = p.catalog_id or ""
    return {
        ReferenceKind.CATALOGS: "/item_upload/catalogs",
        ReferenceKind.BRANDS: f"/item_upload/brands?keyword={p.keyword or ''}&category_id={catalog_id}",
        ReferenceKind.COLORS: "/item_upload/colors",
        ReferenceKind.CONDITIONS: f"/item_upload/conditions?catalog_id={catalog_id}",
        ReferenceKind.SIZE_GROUPS: f"/size_groups?catalog_ids={catalog_id}",
        ReferenceKind.PACKAGE_SIZES: f"/shipping-estimation/external/catalogs/{p.catalog_id}/package_sizes",
    }[p.what]


def _amount(price: Any) -> str:
    return str(price["amount"] if isinstance(price, dict) else price)


def _wardrobe_item(item: dict[str, Any]) -> WardrobeItem:
    price = item.get("price")
    return WardrobeItem(
        id=item["id"],
        title=item.get("title"),
        price=_amount(price) if price is not None else None,
        currency=item.get("currency"),
        is_closed=bool(item.get("is_closed")),
        is_hidden=bool(item.get("is_hidden")),
        is_reserved=bool(item.get("is_reserved")),
        item_closing_action=item.get("item_closing_action"),
        url=item.get("url"),
    )


def _sold_order(o: dict[str, Any]) -> SoldOrder:
    return SoldOrder(
        transaction_id=o["transaction_id"],
        item_id=o["item_id"],
        title=o.get("title"),
        price=_amount(o["price"]),
        currency=o["price"]["currency_code"],
        status=o.get("status"),
        buyer=(o.get("buyer") or {}).get("login"),
        date=o.get("date"),
        items=[
            SoldItem(item_id=i["id"], title=i.get("title"), price=_amount(i["price"]))
            for i in o.get("items", [])
        ],
    )
