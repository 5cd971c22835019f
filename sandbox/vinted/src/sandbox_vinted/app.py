"""A stand-in for Vinted's internal web API (``/api/v2``), per reference/external-apis.md §3.

In memory, one process. Rules it enforces: a session per user (cookie ``access_token_web`` or Bearer), 401
once expired; writes need ``X-CSRF-Token`` (else 403 code 106); a DataDome switch (403 with
``captcha-delivery``); 429 on demand and past a write limit per hour. ``/_control`` drives it from tests.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import UploadFile

from sandbox_vinted import reference

# An 8x8 JPEG, so that photo URLs in a local run point at something real.
SAMPLE_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d"
    "283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb004301111212181518"
    "2f1a1a2f63423842636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
    "6363636363636363ffc00011080008000803012200021101031101ffc4001f00000105010101010101000000000000000001"
    "02030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
    "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a53545556"
    "5758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5"
    "b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003"
    "0101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102"
    "031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35"
    "363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495"
    "969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9ea"
    "f2f3f4f5f6f7f8f9faffda000c03010002110311003f00c7a28a2b84fa83ffd9"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_VINTED_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8023
    write_limit_per_hour: int = 1000
    demo_user_id: int = 1001
    demo_login: str = "demo_seller"
    demo_token: str = "sandbox-vinted-demo-token"


@dataclass
class Session:
    user_id: int
    login: str
    token: str
    csrf: str = field(default_factory=lambda: str(uuid.uuid4()))
    expired: bool = False


@dataclass
class State:
    sessions: dict[str, Session] = field(default_factory=dict)
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    photos: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    writes: list[dict[str, Any]] = field(default_factory=list)
    datadome: bool = False
    throttle_next: int = 0
    # Ids never repeat across restarts (a restarted stand-in beside a kept database): they start from the
    # clock, in milliseconds, as Vinted's own keep growing.
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time() * 1000)))


def reference_errors(item: dict[str, Any]) -> list[dict[str, str]]:
    """Vinted's checks of an item against its reference data: a leaf catalog, a known status, brand and
    colours, a size from the catalog's size groups, a package size."""
    errors = []
    catalog = reference.LEAVES.get(item.get("catalog_id") or 0)
    if item.get("catalog_id") and catalog is None:
        errors.append({"field": "catalog_id", "value": "Choose a category from the list"})
    if item.get("status_id") and item["status_id"] not in {c["id"] for c in reference.CONDITIONS}:
        errors.append({"field": "status_id", "value": "Choose a condition from the list"})
    if item.get("brand_id") and item["brand_id"] not in reference.BRAND_IDS:
        errors.append({"field": "brand_id", "value": "Choose a brand from the list"})
    colours = {c["id"] for c in reference.COLORS}
    if any(c not in colours for c in item.get("color_ids") or []):
        errors.append({"field": "color_ids", "value": "Choose colours from the list"})
    if item.get("package_size_id") is not None and item["package_size_id"] not in {1, 2, 3}:
        errors.append({"field": "package_size_id", "value": "Choose a package size"})
    if catalog is not None and catalog.get("size_group_ids"):
        sizes = {s["id"] for g in reference.size_groups_for([catalog["id"]]) for s in g["sizes"]}
        # Vinted asks for a size here; the stand-in only checks one that is given, so tests of other rules
        # can send a bare item (e2e reads the size back from the item).
        if item.get("size_id") and item["size_id"] not in sizes:
            errors.append({"field": "size_id", "value": "This size does not fit the category"})
    return errors


class VintedError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The sandbox app; state lives on ``app.state.vinted``."""
    settings = settings or Settings()
    state = State()
    demo = Session(settings.demo_user_id, settings.demo_login, settings.demo_token)
    state.sessions[demo.token] = demo
    app = FastAPI(title="sandbox-vinted")
    app.state.vinted = state
    api = APIRouter(prefix="/api/v2")

    @app.exception_handler(VintedError)
    async def vinted_error(_: Request, exc: VintedError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    def session_of(request: Request, *, write: bool = False, csrf: bool = False) -> Session:
        if state.datadome:
            raise VintedError(
                403,
                {"url": "https://geo.captcha-delivery.com/captcha/?initialCid=sandbox"},
                {"x-datadome": "protected"},
            )
        if state.throttle_next > 0:
            state.throttle_next -= 1
            raise VintedError(429, {"code": 429, "message": "Too many requests"}, {"Retry-After": "30"})
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = request.cookies.get("access_token_web") or bearer
        session = state.sessions.get(token)
        if session is None or session.expired:
            raise VintedError(401, {"code": 100, "message_code": "invalid_authentication_token"})
        if (write or csrf) and request.headers.get("x-csrf-token") != session.csrf:
            raise VintedError(403, {"code": 106, "message_code": "access_denied"})
        if write:
            hour_ago = time.time() - 3600
            recent = [w for w in state.writes if w["user_id"] == session.user_id and w["at"] > hour_ago]
            if len(recent) >= settings.write_limit_per_hour:
                raise VintedError(429, {"code": 429, "message": "Too many requests"}, {"Retry-After": "60"})
            state.writes.append({"user_id": session.user_id, "at": time.time(), "path": request.url.path})
        return session

    def owned_item(session: Session, item_id: int) -> dict[str, Any]:
        item = state.items.get(item_id)
        if item is None or item["user_id"] != session.user_id or item["item_closing_action"] == "deleted":
            raise VintedError(404, {"code": 404, "message_code": "not_found"})
        return item

    def validate(body: dict[str, Any]) -> list[dict[str, str]]:
        item = body.get("item") or {}
        errors = []
        if not 5 <= len(str(item.get("title") or "")) <= 100:
            errors.append({"field": "title", "value": "Title must be 5-100 characters"})
        if not isinstance(item.get("price"), int | float) or item["price"] < 1:
            errors.append({"field": "price", "value": "Price must be at least 1"})
        for required in ("catalog_id", "status_id"):
            if not item.get(required):
                errors.append({"field": required, "value": "can't be blank"})
        if not item.get("assigned_photos"):
            errors.append({"field": "assigned_photos", "value": "Add at least one photo"})
        if len(item.get("color_ids") or []) > 2:
            errors.append({"field": "color_ids", "value": "At most 2 colours"})
        return errors + reference_errors(item)

    def public(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k != "user_id"}

    @app.get("/items/new", response_class=HTMLResponse)
    async def items_new(request: Request) -> str:
        session = session_of(request)
        return f'<script>window.__CONFIG__={{\\"CSRF_TOKEN\\":\\"{session.csrf}\\"}}</script>'

    @api.get("/users/current")
    async def current_user(request: Request) -> dict[str, Any]:
        s = session_of(request)
        return {"user": {"id": s.user_id, "login": s.login}}

    @api.post("/photos")
    async def upload_photo(request: Request) -> dict[str, Any]:
        session_of(request, csrf=True)
        form = await request.form()
        file = form.get("photo[file]")
        if not isinstance(file, UploadFile) or form.get("photo[type]") != "item":
            raise VintedError(400, {"code": 99, "message_code": "validation_error", "errors": []})
        pid = next(state.ids)
        state.photos[pid] = {
            "id": pid,
            "temp_uuid": form.get("photo[temp_uuid]"),
            "size": len(await file.read()),
        }
        return {"id": pid, "url": f"/_control/photos/{pid}.jpg"}

    @api.post("/item_upload/items")
    async def create_item(request: Request) -> dict[str, Any]:
        session = session_of(request, write=True)
        body = await request.json()
        if errors := validate(body):
            raise VintedError(400, {"code": 99, "message_code": "validation_error", "errors": errors})
        iid = next(state.ids)
        item = dict(body["item"], id=iid, user_id=session.user_id, is_closed=False, is_hidden=False)
        item.update(is_reserved=False, is_draft=False, item_closing_action=None)
        item["url"] = f"https://www.vinted.fr/items/{iid}"
        item["photos"] = [
            {"id": p["id"], "url": f"/_control/photos/{p['id']}.jpg"} for p in item["assigned_photos"]
        ]
        state.items[iid] = item
        return {"item": public(item)}

    @api.get("/item_upload/items/{item_id}")
    async def get_item_edit(item_id: int, request: Request) -> dict[str, Any]:
        return {"item": public(owned_item(session_of(request), item_id))}

    @api.put("/item_upload/items/{item_id}")
    async def update_item(item_id: int, request: Request) -> dict[str, Any]:
        session = session_of(request, write=True)
        item = owned_item(session, item_id)
        body = await request.json()
        if errors := validate(body):
            raise VintedError(400, {"code": 99, "message_code": "validation_error", "errors": errors})
        item.update({k: v for k, v in body["item"].items() if k not in {"id", "user_id"}})
        return {"item": public(item)}

    @api.post("/items/{item_id}/delete")
    async def delete_item(item_id: int, request: Request) -> dict[str, Any]:
        item = owned_item(session_of(request, write=True), item_id)
        item.update(is_closed=True, item_closing_action="deleted")
        return {"code": 0}

    @api.get("/items/{item_id}")
    async def get_item(item_id: int, request: Request) -> dict[str, Any]:
        session_of(request)
        item = state.items.get(item_id)
        if item is None:
            raise VintedError(404, {"code": 404, "message_code": "not_found"})
        return {"item": public(item)}

    @api.get("/wardrobe/{user_id}/items")
    async def wardrobe(user_id: int, request: Request, page: int = 1, per_page: int = 20) -> dict[str, Any]:
        session_of(request)
        live = [public(i) for i in state.items.values() if i["user_id"] == user_id and not i["is_closed"]]
        chunk = live[(page - 1) * per_page : page * per_page]
        return {"items": chunk, "pagination": {"current_page": page, "total_entries": len(live)}}

    @api.get("/my_orders")
    async def my_orders(request: Request, page: int = 1, per_page: int = 20) -> dict[str, Any]:
        session = session_of(request)
        mine = [o for o in reversed(state.orders) if o["seller_id"] == session.user_id]
        return {"my_orders": mine[(page - 1) * per_page : page * per_page]}

    def listed(request: Request, what: str, **query: str) -> dict[str, Any]:
        """Every reference list answers the same way: a session, then ``{what: [...]}`` (404 for a catalog
        that is not a leaf)."""
        session_of(request)
        try:
            return reference.answer(what, **query)
        except reference.UnknownCatalog as exc:
            raise VintedError(404, {"code": 404, "message_code": "not_found"}) from exc

    @api.get("/item_upload/catalogs")
    async def catalogs(request: Request) -> dict[str, Any]:
        return listed(request, "catalogs")

    @api.get("/item_upload/brands")
    async def brands(request: Request, keyword: str = "", category_id: str = "") -> dict[str, Any]:
        return listed(request, "brands", keyword=keyword)

    @api.get("/item_upload/colors")
    async def colors(request: Request) -> dict[str, Any]:
        return listed(request, "colors")

    @api.get("/item_upload/conditions")
    async def conditions(request: Request, catalog_id: str = "") -> dict[str, Any]:
        return listed(request, "conditions", catalog_id=catalog_id)

    @api.get("/size_groups")
    async def size_groups(request: Request, catalog_ids: str = "") -> dict[str, Any]:
        return listed(request, "size_groups", catalog_ids=catalog_ids)

    @app.get("/shipping-estimation/external/catalogs/{catalog_id}/package_sizes")
    async def package_sizes(catalog_id: int, request: Request) -> dict[str, Any]:
        return listed(request, "package_sizes", catalog_id=str(catalog_id))

    app.include_router(api)
    app.include_router(control_router(state, settings))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def control_router(state: State, settings: Settings) -> APIRouter:
    """``/_control``: what tests and a newcomer use to make things happen on "Vinted"."""
    control = APIRouter(prefix="/_control")

    @control.post("/sessions")
    async def new_session(body: dict[str, Any]) -> dict[str, Any]:
        s = Session(
            int(body.get("user_id") or next(state.ids)), str(body.get("login") or "seller"), uuid.uuid4().hex
        )
        state.sessions[s.token] = s
        return {"access_token": s.token, "csrf_token": s.csrf, "user_id": s.user_id, "login": s.login}

    @control.get("/sessions/{token}")
    async def get_session(token: str) -> dict[str, Any]:
        s = state.sessions.get(token)
        if s is None:
            return JSONResponse({"detail": "unknown"}, status_code=404)  # type: ignore[return-value]
        return {"user_id": s.user_id, "login": s.login, "csrf_token": s.csrf, "expired": s.expired}

    @control.post("/sessions/{token}/expire")
    async def expire(token: str) -> dict[str, Any]:
        state.sessions[token].expired = True
        return {"expired": True}

    @control.post("/sessions/{token}/renew")
    async def renew(token: str) -> dict[str, Any]:
        state.sessions[token].expired = False
        return {"expired": False}

    @control.post("/items/{item_id}/sell")
    async def sell(item_id: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
        item = state.items[item_id]
        item.update(is_closed=True, item_closing_action="sold")
        order = {
            "transaction_id": next(state.ids),
            "item_id": item_id,
            "seller_id": item["user_id"],
            "title": item["title"],
            "price": {"amount": str(item["price"]), "currency_code": item.get("currency", "EUR")},
            "status": "payment_completed",
            "buyer": {"login": (body or {}).get("buyer", "buyer_1")},
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        state.orders.append(order)
        return order

    @control.post("/bundles")
    async def sell_bundle(body: dict[str, Any]) -> dict[str, Any]:
        """Several items sold in one transaction: ``my_orders`` lists it once, with its ``items``."""
        items = [state.items[int(i)] for i in body["item_ids"]]
        for item in items:
            item.update(is_closed=True, item_closing_action="sold")
        currency = items[0].get("currency", "EUR")
        total = sum(float(i["price"]) for i in items)
        order = {
            "transaction_id": next(state.ids),
            "item_id": items[0]["id"],
            "seller_id": items[0]["user_id"],
            "title": f"Bundle of {len(items)} items",
            "price": {"amount": f"{total:.2f}", "currency_code": currency},
            "items": [
                {
                    "id": i["id"],
                    "title": i["title"],
                    "price": {"amount": f"{float(i['price']):.2f}", "currency_code": currency},
                }
                for i in items
            ],
            "status": "payment_completed",
            "buyer": {"login": body.get("buyer", "buyer_1")},
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        state.orders.append(order)
        return order

    @control.post("/items/{item_id}/delete")
    async def seller_deleted(item_id: int) -> dict[str, Any]:
        state.items[item_id].update(is_closed=True, item_closing_action="deleted")
        return {"deleted": True}

    @control.get("/items")
    async def all_items() -> list[dict[str, Any]]:
        return list(state.items.values())

    @control.get("/writes")
    async def writes() -> list[dict[str, Any]]:
        return state.writes

    @control.post("/datadome")
    async def datadome(body: dict[str, Any]) -> dict[str, Any]:
        state.datadome = bool(body.get("on"))
        return {"on": state.datadome}

    @control.post("/throttle")
    async def throttle(body: dict[str, Any]) -> dict[str, Any]:
        state.throttle_next = int(body.get("next", 1))
        return {"next": state.throttle_next}

    @control.get("/photos/{name}")
    async def photo(name: str) -> Response:
        return Response(SAMPLE_JPEG, media_type="image/jpeg")

    @control.get("/sample.jpg")
    async def sample() -> Response:
        return Response(SAMPLE_JPEG, media_type="image/jpeg")

    return control


def main() -> int:
    """``sandbox-vinted``: serve the stand-in (port 8023)."""
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0
