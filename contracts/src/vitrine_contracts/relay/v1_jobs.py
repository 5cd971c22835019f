"""Relay protocol v1, the jobs: what each kind asks (``params``) and answers (``data``).

Both ends validate with these models: marketplace-vinted builds every ``params`` from them and parses every
``data`` with them (a result that does not parse is refused and recorded, never applied); a plugin parses
``params`` with them before calling Vinted and builds ``data`` from them. Re-exported by
``vitrine_contracts.relay.v1``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Message(BaseModel):
    # Tolerant reader: a newer plugin or server may add optional fields.
    model_config = ConfigDict(extra="ignore")


class _Passthrough(BaseModel):
    # Vinted's own shapes: the fields Vitrine reads are typed, the others travel unchanged.
    model_config = ConfigDict(extra="allow")


class JobKind(StrEnum):
    """What a job asks the plugin to do in the seller's Vinted tab."""

    FETCH_REFERENCE = "fetch_reference"
    PUBLISH = "publish"
    UPDATE = "update"
    DELIST = "delist"
    SYNC_WARDROBE = "sync_wardrobe"
    SYNC_SALES = "sync_sales"
    FETCH_ITEM = "fetch_item"


WRITE_KINDS = frozenset({JobKind.PUBLISH, JobKind.UPDATE, JobKind.DELIST})


class ReferenceKind(StrEnum):
    """The reference data a ``fetch_reference`` job can read."""

    CATALOGS = "catalogs"
    BRANDS = "brands"
    COLORS = "colors"
    CONDITIONS = "conditions"
    SIZE_GROUPS = "size_groups"
    PACKAGE_SIZES = "package_sizes"


# --- params ---------------------------------------------------------------------------------------------


# A part of a reference list stays within these bounds (the relay carries a Socket.IO message of 1 MB).
MIN_PART_BYTES, MAX_PART_BYTES = 16_000, 800_000
# The most entries a whole reference list may plausibly have (Vinted lists about 60,000 brands, a few thousand
# catalogs, tens of colours): a list declaring more is refused by marketplace-vinted before it asks for
# another part, and by catalog before it applies anything.
MAX_REFERENCE_TOTAL: dict[ReferenceKind, int] = {
    ReferenceKind.CATALOGS: 50_000,
    ReferenceKind.BRANDS: 500_000,
    ReferenceKind.COLORS: 10_000,
    ReferenceKind.CONDITIONS: 10_000,
    ReferenceKind.SIZE_GROUPS: 10_000,
    ReferenceKind.PACKAGE_SIZES: 10_000,
}


class PhotoRef(_Message):
    url: str = Field(description="A fetchable JPEG (signed URL); the plugin uploads its bytes to /photos")


class ItemAttribute(_Message):
    code: str = Field(description="condition, size, material…")
    ids: list[int] = Field(default_factory=list)


class ItemBody(_Passthrough):
    """The Vinted write shape of an item (``item`` in POST/PUT /item_upload/items), without ``temp_uuid``
    and ``assigned_photos``, which the plugin adds. Fields not listed here are sent to Vinted unchanged."""

    id: int | None = None
    title: str = Field(min_length=1, max_length=100)
    description: str = ""
    price: float = Field(gt=0, description="A bare number: Vinted's write shape")
    currency: str = Field(min_length=3, max_length=3)
    catalog_id: int
    status_id: int = Field(description="The condition: 6 new with tags, 1 new, 2 very good, 3 good, 4 fair")
    brand_id: int | None = None
    brand: str | None = None
    size_id: int | None = None
    color_ids: list[int] = Field(default_factory=list, max_length=2)
    package_size_id: int | None = None
    item_attributes: list[ItemAttribute] = Field(default_factory=list)


class PublishParams(_Message):
    """``publish``: upload every photo (one shared temp_uuid), then POST /item_upload/items."""

    photos: list[PhotoRef] = Field(min_length=1)
    item: ItemBody


class UpdateParams(_Message):
    """``update``: PUT /item_upload/items/{item_id}; ``photos`` only when they changed."""

    item_id: int
    item: ItemBody
    photos: list[PhotoRef] = Field(default_factory=list)


class DelistParams(_Message):
    """``delist``: POST /items/{item_id}/delete; a 404 means already gone and counts as success."""

    item_id: int


class SyncWardrobeParams(_Message):
    """``sync_wardrobe``: every page of /wardrobe/{user_id}/items; then /items/{id} for each known id missing."""

    per_page: int = Field(default=96, ge=1, le=96)
    known_item_ids: list[int] = Field(default_factory=list)


class SyncSalesParams(_Message):
    """``sync_sales``: /my_orders?type=sold&status=...; pages until a short or empty one."""

    status: Literal["all", "in_progress", "completed", "canceled"] = "all"
    per_page: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=5, ge=1)


class FetchReferenceParams(_Message):
    """``fetch_reference``: one reference endpoint (catalogs, brands, colors, conditions, size_groups,
    package_sizes). With ``part_bytes`` the answer is one part of the list (``ReferenceData.part``), so a list
    of any length (tens of thousands of brands) crosses the relay in messages of a bounded size."""

    what: ReferenceKind
    catalog_id: int | None = None
    keyword: str | None = None
    part_bytes: int | None = Field(
        default=None,
        ge=MIN_PART_BYTES,
        le=MAX_PART_BYTES,
        description="Answer in parts: the entries from ``offset`` on, as many as fit in this many bytes of "
        "JSON (at least one); absent, Vinted's whole body as it came",
    )
    offset: int = Field(default=0, ge=0, description="A part: the index of its first entry in the whole list")
    snapshot: str | None = Field(
        default=None,
        max_length=128,
        description="A later part: the snapshot the earlier parts came from (serve the same list if it is kept)",
    )


class FetchItemParams(_Message):
    """``fetch_item``: GET /item_upload/items/{item_id} (edit shape, with photo URLs) for link/import."""

    item_id: int


JobParams = (
    PublishParams
    | UpdateParams
    | DelistParams
    | SyncWardrobeParams
    | SyncSalesParams
    | FetchReferenceParams
    | FetchItemParams
)
JOB_PARAMS: dict[JobKind, type[JobParams]] = {
    JobKind.PUBLISH: PublishParams,
    JobKind.UPDATE: UpdateParams,
    JobKind.DELIST: DelistParams,
    JobKind.SYNC_WARDROBE: SyncWardrobeParams,
    JobKind.SYNC_SALES: SyncSalesParams,
    JobKind.FETCH_REFERENCE: FetchReferenceParams,
    JobKind.FETCH_ITEM: FetchItemParams,
}


def parse_params(kind: JobKind, params: dict[str, Any]) -> JobParams:
    """``params`` of a job of ``kind`` as its model; ``pydantic.ValidationError`` when they do not fit."""
    return JOB_PARAMS[kind].model_validate(params)


# --- result data ----------------------------------------------------------------------------------------


class PublishData(_Message):
    item_id: int
    url: str | None = None
    photo_ids: list[int] = Field(default_factory=list)


class UpdateData(_Message):
    item_id: int


class DelistData(_Message):
    item_id: int
    already_gone: bool = Field(default=False, description="Vinted answered 404: the item was gone already")


class WardrobeItem(_Message):
    id: int
    title: str | None = None
    price: str | None = None
    currency: str | None = None
    is_closed: bool = False
    is_hidden: bool = False
    is_reserved: bool = False
    item_closing_action: Literal["sold", "deleted"] | None = None
    url: str | None = None


class WardrobeData(_Message):
    items: list[WardrobeItem] = Field(default_factory=list)
    missing: list[WardrobeItem] = Field(
        default_factory=list, description="Known ids not in the wardrobe, as /items/{id} reports them"
    )


class SoldItem(_Message):
    """One item of a sold order (a bundle has several)."""

    item_id: int
    title: str | None = None
    price: str = Field(description="This item's share of the order, as a decimal string")


class SoldOrder(_Message):
    """One Vinted transaction. ``items`` lists every item of a bundle; empty, the order is ``item_id``
    alone at ``price``."""

    transaction_id: int
    item_id: int
    title: str | None = None
    price: str
    currency: str
    status: str | None = None
    buyer: str | None = None
    date: datetime | None = None
    items: list[SoldItem] = Field(default_factory=list)

    def lines(self) -> list[SoldItem]:
        """The order's lines: the bundle's items, or the one item."""
        return self.items or [SoldItem(item_id=self.item_id, title=self.title, price=self.price)]


class SalesData(_Message):
    orders: list[SoldOrder] = Field(default_factory=list)


class ItemPhoto(_Passthrough):
    id: int | None = None
    url: str


class VintedItem(_Passthrough):
    """An item as GET /item_upload/items/{id} answers it; ``price`` may come as a number or as
    ``{amount, currency_code}``."""

    id: int
    title: str = ""
    description: str = ""
    price: Decimal = Decimal(0)
    currency: str = "EUR"
    catalog_id: int | None = None
    brand_id: int | None = None
    brand: str | None = None
    status_id: int | None = None
    size_id: int | None = None
    color_ids: list[int] = Field(default_factory=list)
    photos: list[ItemPhoto] = Field(default_factory=list)
    url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _price_object(cls, value: Any) -> Any:
        price = value.get("price") if isinstance(value, dict) else None
        if isinstance(price, dict):  # Vinted's read shape
            value = value | {"price": price.get("amount"), "currency": price.get("currency_code", "EUR")}
        return value

    @field_validator("price", mode="before")
    @classmethod
    def _decimal(cls, value: Any) -> Any:
        return Decimal(str(value)) if isinstance(value, int | float) else value


class FetchItemData(_Message):
    item: VintedItem


class ReferencePart(_Message):
    """Where a part sits in the whole list it was cut from."""

    offset: int = Field(ge=0, description="The index of the part's first entry in the whole list")
    count: int = Field(ge=0, description="How many entries the part has")
    total: int = Field(ge=0, description="How many entries the whole list has")
    snapshot: str = Field(
        min_length=1, max_length=128, description="A digest of the whole list: parts of one list share it"
    )
    fetched_at: datetime = Field(description="When the plugin read the whole list from Vinted")

    @property
    def next_offset(self) -> int | None:
        """Where the next part starts; None after the last one."""
        end = self.offset + self.count
        return end if end < self.total else None


class ReferenceData(_Passthrough):
    """Vinted's response body for the reference endpoint, as it came; or, asked with ``part_bytes``, one
    part: ``part`` and its ``entries`` (the list's items as Vinted gave them; the catalog tree flattened
    depth-first by ``flatten_catalogs``)."""

    part: ReferencePart | None = None
    entries: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _part_fits(self) -> ReferenceData:
        if self.part is None:
            return self
        count = len(self.entries or [])
        if count != self.part.count or self.part.offset + count > self.part.total:
            raise ValueError(f"part has {count} entries for count {self.part.count} of {self.part.total}")
        if count == 0 and self.part.total > 0:
            raise ValueError("an empty part of a list that is not empty")
        return self


def flatten_catalogs(
    nodes: list[dict[str, Any]], parent: int | None = None, path: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Vinted's catalog tree as the entries of a ``catalogs`` part, depth-first: each node's own fields
    (without ``catalogs``) with ``parent_id``, ``path`` (titles from the root, its own last) and ``leaf``."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        here = (*path, str(node.get("title", "")))
        children = node.get("catalogs") or []
        own = {k: v for k, v in node.items() if k != "catalogs"}
        out.append(own | {"parent_id": parent, "path": list(here), "leaf": not children})
        out += flatten_catalogs(children, int(node["id"]), here)
    return out


JobData = PublishData | UpdateData | DelistData | WardrobeData | SalesData | FetchItemData | ReferenceData
JOB_DATA: dict[JobKind, type[JobData]] = {
    JobKind.PUBLISH: PublishData,
    JobKind.UPDATE: UpdateData,
    JobKind.DELIST: DelistData,
    JobKind.SYNC_WARDROBE: WardrobeData,
    JobKind.SYNC_SALES: SalesData,
    JobKind.FETCH_REFERENCE: ReferenceData,
    JobKind.FETCH_ITEM: FetchItemData,
}


def parse_data(kind: JobKind, data: dict[str, Any]) -> JobData:
    """``data`` of a succeeded job of ``kind`` as its model; ``pydantic.ValidationError`` when it does not fit."""
    return JOB_DATA[kind].model_validate(data)


# --- results --------------------------------------------------------------------------------------------


class VintedCall(_Message):
    """One HTTP call the plugin made to Vinted while running a job."""

    method: str
    path: str = Field(description="Relative to /api/v2, query included")
    status: int | None = Field(description="HTTP status; null when no response came (network error)")
    duration_ms: int = 0
    error_code: int | None = Field(default=None, description="Vinted's body 'code' (99 validation, 106 CSRF)")


ErrorCode = Literal[
    "session_expired",
    "csrf",
    "datadome",
    "rate_limited",
    "validation",
    "not_found",
    "network",
    "no_vinted_tab",
    "unsupported",
    "plugin_error",
]


class JobError(_Message):
    code: ErrorCode
    message: str
    http_status: int | None = None
    retry_after_s: float | None = None
    fields: dict[str, str] = Field(default_factory=dict, description="Validation errors by field")
