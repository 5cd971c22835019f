"""The control API (``/sandbox/...``): what tests and a person use to make Stripe do things — pay or
decline a Checkout, renew or fail a subscription, resend events, deliver them in a chosen order, pause
deliveries, simulate faults — and to see what happened (deliveries, requests)."""

from __future__ import annotations

import json
import time
from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse, JSONResponse, Response

from sandbox_stripe import billing
from sandbox_stripe.errors import StripeError
from sandbox_stripe.render import render
from sandbox_stripe.seed import seed
from sandbox_stripe.state import Fault, World
from sandbox_stripe.webhooks import Dispatcher

router = APIRouter(prefix="/sandbox", tags=["control"])


def world_of(request: Request) -> World:
    world: World = request.app.state.world
    return world


def dispatcher_of(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


WorldDep = Annotated[World, Depends(world_of)]
DispatcherDep = Annotated[Dispatcher, Depends(dispatcher_of)]
Outcome = Literal["paid", "declined"]


class CompleteIn(BaseModel):
    outcome: Outcome = "paid"
    email: str | None = None
    name: str | None = None


class OutcomeIn(BaseModel):
    outcome: Outcome = "paid"


class ResendIn(BaseModel):
    endpoint_id: str | None = Field(
        default=None, description="one endpoint; all that want the event by default"
    )


class DeliverIn(BaseModel):
    event_ids: list[str] = Field(min_length=1, description="delivered one after the other, in this order")
    endpoint_id: str | None = None


class FaultIn(BaseModel):
    status: int = Field(ge=400, le=599)
    count: int | None = Field(default=None, ge=1, description="answer this many requests so")
    seconds: float | None = Field(default=None, gt=0, description="or for this long")
    path_prefix: str = "/v1"
    method: Literal["GET", "POST", "DELETE"] | None = None
    message: str | None = None
    code: str | None = None
    should_retry: bool | None = Field(default=None, description="sent as Stripe-Should-Retry")


def _answer(body: Any, dispatcher: Dispatcher, status: int = 200) -> JSONResponse:
    """JSON, and the events the action caused sent once the answer is on its way."""
    return JSONResponse(body, status_code=status, background=BackgroundTask(dispatcher.flush_async))


def _error(exc: StripeError, dispatcher: Dispatcher) -> JSONResponse:
    return _answer(exc.body(), dispatcher, exc.status)


def _get(world: World, kind: str, object_id: str) -> dict[str, Any]:
    billing.sweep(world)
    return world.get(kind, object_id)


# --- Checkout ------------------------------------------------------------------------------------------
@router.post("/checkout_sessions/{session_id}/complete")
async def complete_checkout(
    session_id: str, body: CompleteIn, world: WorldDep, dispatcher: DispatcherDep
) -> JSONResponse:
    """What the hosted page's buttons do: ``paid`` completes the session, ``declined`` leaves it open (402)."""
    try:
        session = _get(world, "checkout.session", session_id)
        error = billing.complete_checkout(
            world, session, decline=body.outcome == "declined", email=body.email, name=body.name
        )
    except StripeError as exc:
        return _error(exc, dispatcher)
    if error is not None:
        return _answer({**error.body(), "session": render(world, session)}, dispatcher, 402)
    return _answer(render(world, session), dispatcher)


@router.post("/checkout_sessions/{session_id}/expire")
async def expire_checkout(session_id: str, world: WorldDep, dispatcher: DispatcherDep) -> JSONResponse:
    try:
        session = billing.expire_checkout(world, _get(world, "checkout.session", session_id))
    except StripeError as exc:
        return _error(exc, dispatcher)
    return _answer(render(world, session), dispatcher)


# --- subscriptions and invoices ------------------------------------------------------------------------
@router.post("/subscriptions/{sub_id}/advance")
async def advance(sub_id: str, body: OutcomeIn, world: WorldDep, dispatcher: DispatcherDep) -> JSONResponse:
    """The current period ends: renewal (a new invoice, paid or declined), or the end of a subscription set
    to cancel at period end."""
    try:
        sub = _get(world, "subscription", sub_id)
        invoice = billing.renew(world, sub, decline=body.outcome == "declined")
    except StripeError as exc:
        return _error(exc, dispatcher)
    return _answer(
        {"subscription": render(world, sub), "invoice": render(world, invoice) if invoice else None},
        dispatcher,
    )


@router.post("/subscriptions/{sub_id}/fail_payment")
async def fail_payment(sub_id: str, world: WorldDep, dispatcher: DispatcherDep) -> JSONResponse:
    """The next renewal's payment is declined: ``invoice.payment_failed``, the subscription ``past_due``."""
    return await advance(sub_id, OutcomeIn(outcome="declined"), world, dispatcher)


@router.post("/subscriptions/{sub_id}/cancel")
async def cancel(sub_id: str, world: WorldDep, dispatcher: DispatcherDep) -> JSONResponse:
    """Cancel at once (``customer.subscription.deleted``)."""
    try:
        sub = billing.cancel_now(world, _get(world, "subscription", sub_id))
    except StripeError as exc:
        return _error(exc, dispatcher)
    return _answer(render(world, sub), dispatcher)


@router.post("/invoices/{invoice_id}/pay")
async def pay_invoice(
    invoice_id: str, body: OutcomeIn, world: WorldDep, dispatcher: DispatcherDep
) -> JSONResponse:
    """Another attempt at an open invoice (Stripe's automatic retry)."""
    try:
        invoice = _get(world, "invoice", invoice_id)
        paid = billing.retry_invoice(world, invoice, decline=body.outcome == "declined")
    except StripeError as exc:
        return _error(exc, dispatcher)
    return _answer(render(world, invoice), dispatcher, 200 if paid else 402)


@router.get("/objects/{object_id}")
async def get_object(object_id: str, world: WorldDep) -> JSONResponse:
    """Any object by id, as the API shows it (no key needed)."""
    found = world.objects.get(object_id)
    if found is None:
        return JSONResponse({"error": {"type": "invalid_request_error", "message": "No such object"}}, 404)
    return JSONResponse(render(world, found))


# --- events and deliveries -----------------------------------------------------------------------------
@router.get("/events")
async def events(world: WorldDep, type: str | None = None) -> list[dict[str, Any]]:
    """Every event, newest first (``type`` filters, ``customer.subscription.*`` style allowed)."""
    found = world.all("event")
    if type is not None:
        prefix = type[:-1] if type.endswith("*") else None
        found = [
            e for e in found if (e["type"].startswith(prefix) if prefix is not None else e["type"] == type)
        ]
    return [render(world, e) for e in found]


@router.post("/events/{event_id}/resend")
async def resend(
    event_id: str, world: WorldDep, dispatcher: DispatcherDep, body: ResendIn | None = None
) -> JSONResponse:
    """Send an event again (a new delivery, same event id and body)."""
    event = world.events.get(event_id)
    if event is None:
        return JSONResponse(
            StripeError(404, f"No such event: '{event_id}'", code="resource_missing").body(), 404
        )
    targets = _targets(world, event["type"], body.endpoint_id if body else None)
    if isinstance(targets, JSONResponse):
        return targets
    made = dispatcher.resend(event_id, targets)
    return JSONResponse([_delivery_view(world, d.id) for d in made])


@router.post("/events/deliver")
async def deliver_in_order(body: DeliverIn, world: WorldDep, dispatcher: DispatcherDep) -> JSONResponse:
    """Deliver these events now, in this order, each awaited before the next (held deliveries of them are
    used; others get a new delivery). With deliveries paused, this is how to test out-of-order handling."""
    for event_id in body.event_ids:
        if event_id not in world.events:
            return JSONResponse(
                StripeError(404, f"No such event: '{event_id}'", code="resource_missing").body(), 404
            )
    targets = _targets(world, None, body.endpoint_id)
    if isinstance(targets, JSONResponse):
        return targets
    return JSONResponse(await dispatcher.deliver_in_order(body.event_ids, targets))


def _targets(world: World, event_type: str | None, endpoint_id: str | None) -> list[str] | JSONResponse:
    if endpoint_id is not None:
        if endpoint_id not in world.endpoints:
            return JSONResponse(
                StripeError(
                    404, f"No such webhook endpoint: '{endpoint_id}'", code="resource_missing"
                ).body(),
                404,
            )
        return [endpoint_id]
    return [e.id for e in world.endpoints.values() if event_type is None or e.wants(event_type)]


def _delivery_view(world: World, delivery_id: str) -> dict[str, Any]:
    delivery = world.deliveries[delivery_id]
    event = world.events.get(delivery.event_id) or {}
    endpoint = world.endpoints.get(delivery.endpoint_id)
    return delivery.view(event.get("type"), str(endpoint.obj["url"]) if endpoint else None)


@router.get("/deliveries")
async def deliveries(
    world: WorldDep, event_id: str | None = None, state: str | None = None, type: str | None = None
) -> list[dict[str, Any]]:
    """Every delivery, oldest first, with each attempt's status code (None: timeout or connection error)."""
    views = [_delivery_view(world, d) for d in world.deliveries]
    return [
        v
        for v in views
        if (event_id is None or v["event"] == event_id)
        and (state is None or v["state"] == state)
        and (type is None or v["type"] == type)
    ]


@router.post("/deliveries/pause")
async def pause(dispatcher: DispatcherDep) -> dict[str, bool]:
    """Hold new deliveries (and retries coming due) until resumed."""
    dispatcher.pause()
    return {"paused": True}


@router.post("/deliveries/resume")
async def resume(dispatcher: DispatcherDep) -> dict[str, Any]:
    """Send what was held, oldest first."""
    return {"paused": False, "released": dispatcher.resume()}


# --- faults, requests, reset ---------------------------------------------------------------------------
@router.post("/faults", status_code=201)
async def add_fault(body: FaultIn, world: WorldDep) -> dict[str, Any]:
    """Answer matching ``/v1`` calls with ``status`` in Stripe's envelope (429 ``rate_limit``, 5xx
    ``api_error``…), ``count`` times or for ``seconds``."""
    world.faults.append(
        Fault(
            body.status,
            remaining=body.count,
            until=time.monotonic() + body.seconds if body.seconds else None,
            path_prefix=body.path_prefix,
            method=body.method,
            message=body.message,
            code=body.code,
            should_retry=body.should_retry,
        )
    )
    return body.model_dump()


@router.delete("/faults", status_code=204)
async def clear_faults(world: WorldDep) -> Response:
    world.faults.clear()
    return Response(status_code=204)


@router.get("/requests")
async def requests(
    world: WorldDep, path_prefix: str | None = None, idempotency_key: str | None = None
) -> list[dict[str, Any]]:
    """The ``/v1`` calls seen, oldest first: method, path, parameters, idempotency key, status, replayed."""
    return [
        r
        for r in world.requests
        if (path_prefix is None or r["path"].startswith(path_prefix))
        and (idempotency_key is None or r["idempotency_key"] == idempotency_key)
    ]


@router.post("/reset", status_code=204)
async def reset(world: WorldDep, dispatcher: DispatcherDep) -> Response:
    """Forget everything; the settings' endpoints and prices are made again. Answers once the deliveries
    already on the wire have ended, so nothing from before the reset arrives after it."""
    dispatcher.reset()
    world.reset()
    seed(world)
    await dispatcher.settle()
    return Response(status_code=204)


# --- a page for a person -------------------------------------------------------------------------------
@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
async def index(world: WorldDep, dispatcher: DispatcherDep) -> HTMLResponse:
    """What exists, with links to the hosted pages."""
    billing.sweep(world)
    sessions = "".join(
        f"<li><a href='/c/pay/{escape(s['id'])}'>{escape(s['id'][:20])}…</a> {escape(s['mode'])} · "
        f"{escape(s['status'])}</li>"
        for s in world.all("checkout.session")
    )
    subs = "".join(
        f"<li>{escape(s['id'])} · {escape(s['customer'])} · <b>{escape(s['status'])}</b>"
        f"{' · cancels at period end' if s['cancel_at_period_end'] else ''}</li>"
        for s in world.all("subscription")
    )
    events_list = "".join(f"<li>{escape(e['id'])} {escape(e['type'])}</li>" for e in world.all("event")[:50])
    endpoints = "".join(
        f"<li>{escape(e.id)} → {escape(str(e.obj['url']))} ({escape(str(e.obj['status']))})</li>"
        for e in world.endpoints.values()
    )
    paused = " (deliveries paused)" if dispatcher.paused else ""
    html = (
        "<!doctype html><meta charset='utf-8'><title>Stripe sandbox</title>"
        "<body style='font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto'>"
        f"<h1>Stripe sandbox</h1><h2>Checkout Sessions</h2><ul>{sessions or '<li>none</li>'}</ul>"
        f"<h2>Subscriptions</h2><ul>{subs or '<li>none</li>'}</ul>"
        f"<h2>Webhook endpoints{paused}</h2><ul>{endpoints or '<li>none</li>'}</ul>"
        f"<h2>Latest events</h2><ul>{events_list or '<li>none</li>'}</ul>"
        f"<p>Control API: <a href='/docs#/control'>/docs</a> · <code>{escape(json.dumps({'deliveries': len(world.deliveries)}))}</code></p>"
        "</body>"
    )
    return HTMLResponse(html, background=BackgroundTask(dispatcher.flush_async))
