"""The customer's side, as plain HTML pages a person can click (no JavaScript): hosted Checkout
(``/c/pay/{session}``), the billing portal (``/p/session/{token}``) and hosted invoices (``/i/{invoice}``)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox_stripe import billing
from sandbox_stripe.errors import StripeError
from sandbox_stripe.state import World
from sandbox_stripe.webhooks import Dispatcher

router = APIRouter(include_in_schema=False)

STYLE = """
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1a1a2e}
table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}
.num{text-align:right}.error{background:#fde8e8;color:#9b1c1c;padding:.6rem;border-radius:4px}
.note{background:#e8f4fd;padding:.6rem;border-radius:4px}button{padding:.5rem 1rem;margin:.2rem}
section{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}label{display:block;margin:.4rem 0}
small{color:#666}
"""


def page(title: str, body: str, status: int = 200, background: BackgroundTask | None = None) -> HTMLResponse:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><p><small>Stripe sandbox (test mode)</small></p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, background=background)


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


def _flush(request: Request) -> BackgroundTask:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return BackgroundTask(dispatcher.flush_async)


async def _form(request: Request) -> dict[str, str]:
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


def _date(ts: int | None) -> str:
    return billing.day_text(ts) if ts else "—"


def _price_text(world: World, price: dict[str, Any]) -> str:
    per = billing.interval_text(price)
    amount = billing.money(int(price["unit_amount"]), str(price["currency"]))
    return f"{amount} / {per}" if per else amount


# --- Checkout ------------------------------------------------------------------------------------------
def _checkout_page(
    world: World, session: dict[str, Any], error: str | None = None, status: int = 200
) -> HTMLResponse:
    if session["status"] == "complete":
        link = f"<p><a href='{escape(_success(session))}'>Continue</a></p>" if session["success_url"] else ""
        return page("This Checkout Session is complete", f"<p class='note'>Already paid.</p>{link}", status)
    if session["status"] == "expired":
        link = f"<p><a href='{escape(session['cancel_url'])}'>Back</a></p>" if session["cancel_url"] else ""
        return page("This Checkout Session has expired", link, status)
    rows = []
    for line in session["_line_items"]:
        price = world.get("price", line["price"])
        rows.append(
            f"<tr><td>{escape(str(line['description']))}</td><td class='num'>{line['quantity']}</td>"
            f"<td class='num'>{escape(_price_text(world, price))}</td>"
            f"<td class='num'>{escape(billing.money(int(line['amount_total']), str(line['currency'])))}</td></tr>"
        )
    total = billing.money(int(session["amount_total"]), str(session["currency"]))
    trial = session["_subscription_data"].get("trial_period_days")
    due = f"{trial} days free, then {total}" if trial else total
    customer = world.objects.get(session["customer"]) if session["customer"] else None
    email = session["customer_email"] or (customer or {}).get("email") or ""
    locked = " readonly" if email else ""
    name = (customer or {}).get("name") or ""
    verb = "Subscribe" if session["mode"] == "subscription" else "Pay"
    cancel = f"<p><a href='{escape(session['cancel_url'])}'>← Back</a></p>" if session["cancel_url"] else ""
    body = (
        (f"<p class='error'>{escape(error)}</p>" if error else "")
        + "<table><tr><th>Item</th><th class='num'>Qty</th><th class='num'>Price</th><th class='num'>Amount</th></tr>"
        + "".join(rows)
        + f"<tr><th colspan='3'>Due today</th><th class='num'>{escape(due)}</th></tr></table>"
        + f"<form method='post' action='/c/pay/{escape(session['id'])}'>"
        + f"<label>Email <input name='email' type='email' value='{escape(email)}'{locked}></label>"
        + f"<label>Name on card <input name='name' value='{escape(name)}'></label>"
        + f"<button name='outcome' value='paid'>{verb} (card 4242)</button>"
        + "<button name='outcome' value='declined'>Pay with a declined card (0002)</button></form>"
        + cancel
    )
    first = str(session["_line_items"][0]["description"])
    title = f"Subscribe to {first}" if session["mode"] == "subscription" else f"Pay for {first}"
    return page(title, body, status)


def _success(session: dict[str, Any]) -> str:
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", str(session["id"]))


@router.get("/c/pay/{session_id}")
async def checkout_page(session_id: str, request: Request) -> Response:
    world = _world(request)
    billing.sweep(world)
    session = world.find(session_id, "checkout.session")
    if session is None:
        return page("This Checkout Session does not exist", "", 404, _flush(request))
    response = _checkout_page(world, session)
    response.background = _flush(request)  # an expiry found on the way
    return response


@router.post("/c/pay/{session_id}")
async def checkout_pay(session_id: str, request: Request) -> Response:
    world = _world(request)
    billing.sweep(world)
    session = world.find(session_id, "checkout.session")
    if session is None:
        return page("This Checkout Session does not exist", "", 404)
    if session["status"] != "open":
        closed = _checkout_page(world, session, status=409)
        closed.background = _flush(request)
        return closed
    form = await _form(request)
    error = billing.complete_checkout(
        world,
        session,
        decline=form.get("outcome") == "declined",
        email=form.get("email") or None,
        name=form.get("name") or None,
    )
    response: Response
    if error is not None:
        response = _checkout_page(world, session, error.message, 402)
    elif session["success_url"]:
        response = RedirectResponse(_success(session), status_code=303)
    else:
        response = page("Payment complete", "<p class='note'>Thank you.</p>")
    response.background = _flush(request)
    return response


# --- the billing portal --------------------------------------------------------------------------------
def _portal(world: World, token: str) -> dict[str, Any] | None:
    session_id = world.portal_tokens.get(token)
    return world.find(session_id, "billing_portal.session") if session_id else None


def _plans(world: World, sub: dict[str, Any], current: str) -> list[dict[str, Any]]:
    return [
        p
        for p in reversed(world.all("price"))
        if p["active"] and p["recurring"] and p["currency"] == sub["currency"] and p["id"] != current
    ]


def _subscription_section(world: World, token: str, sub: dict[str, Any], flow: dict[str, Any] | None) -> str:
    item = sub["items"]["data"][0]
    price = world.get("price", item["price"])
    base = f"/p/session/{escape(token)}/subscriptions/{escape(sub['id'])}"
    kind = flow["type"] if flow else None
    if sub["cancel_at_period_end"]:
        state = f"Cancels on {_date(sub['cancel_at'])}"
    elif sub["status"] == "trialing":
        state = f"Trial ends on {_date(sub['trial_end'])}"
    else:
        state = f"Renews on {_date(item['current_period_end'])}"
    out = [
        f"<section><h2>{escape(billing.product_name(world, price))}</h2>"
        f"<p>{escape(_price_text(world, price))} · status <b>{escape(sub['status'])}</b> · {escape(state)}</p>"
    ]
    if kind in (None, "subscription_update"):
        options = "".join(
            f"<option value='{escape(p['id'])}'>{escape(billing.product_name(world, p))} — "
            f"{escape(_price_text(world, p))}</option>"
            for p in _plans(world, sub, str(price["id"]))
        )
        if options:
            out.append(
                f"<form method='post' action='{base}/update'><label>Change plan <select name='price'>{options}"
                "</select></label><button>Update plan</button></form>"
            )
    if kind == "subscription_update_confirm" and flow:
        target = flow["subscription_update_confirm"]["items"][0]
        if target.get("price"):
            new = world.get("price", target["price"])
            out.append(
                f"<form method='post' action='{base}/update'><input type='hidden' name='price' "
                f"value='{escape(new['id'])}'><p>Switch to {escape(billing.product_name(world, new))} — "
                f"{escape(_price_text(world, new))}</p><button>Confirm</button></form>"
            )
    if kind in (None, "subscription_cancel"):
        if sub["cancel_at_period_end"]:
            out.append(f"<form method='post' action='{base}/renew'><button>Renew plan</button></form>")
        else:
            reasons = "".join(
                f"<option value='{r}'>{r.replace('_', ' ')}</option>"
                for r in ("", "too_expensive", "missing_features", "switched_service", "unused", "other")
            )
            out.append(
                f"<form method='post' action='{base}/cancel'><label>Reason <select name='feedback'>{reasons}"
                "</select></label><button>Cancel plan</button></form>"
            )
    out.append("</section>")
    return "".join(out)


def _portal_page(world: World, token: str, portal: dict[str, Any], done: str | None) -> HTMLResponse:
    customer = world.get("customer", portal["customer"])
    flow = portal["flow"]
    subs = [
        s for s in world.all("subscription") if s["customer"] == customer["id"] and s["status"] != "canceled"
    ]
    if flow and flow["type"] != "payment_method_update":
        wanted = flow[flow["type"]]["subscription"]
        subs = [s for s in subs if s["id"] == wanted]
    parts = [f"<p class='note'>{escape(done)}</p>" if done else ""]
    parts.append(f"<p>{escape(customer['email'] or customer['id'])}</p>")
    if not subs and not flow:
        parts.append("<p>No current subscription.</p>")
    parts.extend(_subscription_section(world, token, s, flow) for s in subs)
    if flow is None or flow["type"] == "payment_method_update":
        card_id = customer["invoice_settings"]["default_payment_method"] or next(
            (s["default_payment_method"] for s in subs if s["default_payment_method"]), None
        )
        card = world.objects.get(card_id) if card_id else None
        shown = f"Visa •••• {card['card']['last4']}" if card else "none"
        parts.append(
            f"<section><h2>Payment method</h2><p>{escape(shown)}</p>"
            f"<form method='post' action='/p/session/{escape(token)}/payment_method'>"
            "<button name='outcome' value='paid'>Add card 4242 as default</button>"
            "<button name='outcome' value='declined'>Add a card that declines (0002)</button></form></section>"
        )
    if flow is None:
        invoices = [i for i in world.all("invoice") if i["customer"] == customer["id"]]
        rows = "".join(
            f"<tr><td>{_date(i['created'])}</td><td>{escape(i['number'] or i['id'])}</td>"
            f"<td class='num'>{escape(billing.money(int(i['total']), i['currency']))}</td><td>{escape(i['status'])}</td>"
            f"<td><a href='/i/{escape(i['id'])}'>view</a></td></tr>"
            for i in invoices
        )
        if rows:
            parts.append(f"<section><h2>Invoice history</h2><table>{rows}</table></section>")
    if portal["return_url"]:
        parts.append(f"<p><a href='{escape(portal['return_url'])}'>← Return to the site</a></p>")
    return page("Billing", "".join(parts))


def _after(request: Request, token: str, portal: dict[str, Any], message: str) -> Response:
    flow = portal["flow"]
    after = flow["after_completion"] if flow else None
    if after and after["type"] == "redirect":
        response: Response = RedirectResponse(after["redirect"]["return_url"], status_code=303)
    elif after and after["type"] == "hosted_confirmation":
        custom = (after["hosted_confirmation"] or {}).get("custom_message") or message
        link = f"<p><a href='{escape(portal['return_url'])}'>Return</a></p>" if portal["return_url"] else ""
        response = page("Done", f"<p class='note'>{escape(custom)}</p>{link}")
    else:
        response = RedirectResponse(f"/p/session/{token}?done={quote(message)}", status_code=303)
    response.background = _flush(request)
    return response


@router.get("/p/session/{token}")
async def portal_page(token: str, request: Request, done: str | None = None) -> Response:
    world = _world(request)
    portal = _portal(world, token)
    if portal is None:
        return page("This portal session does not exist", "", 404)
    return _portal_page(world, token, portal, done)


def _portal_sub(world: World, portal: dict[str, Any], sub_id: str) -> dict[str, Any] | None:
    sub = world.find(sub_id, "subscription")
    if sub is None or sub["customer"] != portal["customer"]:
        return None
    return sub


@router.post("/p/session/{token}/subscriptions/{sub_id}/{action}")
async def portal_action(token: str, sub_id: str, action: str, request: Request) -> Response:
    world = _world(request)
    portal = _portal(world, token)
    sub = _portal_sub(world, portal, sub_id) if portal else None
    if portal is None or sub is None:
        return page("Not found", "", 404)
    form = await _form(request)
    settings = world.settings
    try:
        if action == "update":
            price = world.find(form.get("price", ""), "price")
            allowed = {p["id"] for p in _plans(world, sub, str(sub["items"]["data"][0]["price"]))}
            if price is None or price["id"] not in allowed:
                return page("This plan cannot be chosen", "", 400)
            item = sub["items"]["data"][0]
            billing.update_subscription(
                world,
                sub,
                changes=[
                    {
                        "id": item["id"],
                        "price_obj": price,
                        "quantity": None,
                        "deleted": False,
                        "metadata": None,
                    }
                ],
                proration_behavior=settings.portal_proration_behavior,
            )
            message = f"Plan changed to {billing.product_name(world, price)}."
        elif action == "cancel":
            feedback = form.get("feedback") or None
            if settings.portal_cancel_mode == "immediately":
                billing.cancel_now(world, sub, feedback=feedback)
                message = "Subscription canceled."
            else:
                billing.update_subscription(world, sub, cancel_at_period_end=True, feedback=feedback)
                message = f"Subscription will cancel on {_date(sub['cancel_at'])}."
        elif action == "renew":
            billing.update_subscription(world, sub, cancel_at_period_end=False)
            message = "Subscription renewed."
        else:
            return page("Unknown action", "", 404)
    except StripeError as exc:
        response = page("That did not work", f"<p class='error'>{escape(exc.message)}</p>", 400)
        response.background = _flush(request)
        return response
    return _after(request, token, portal, message)


@router.post("/p/session/{token}/payment_method")
async def portal_card(token: str, request: Request) -> Response:
    world = _world(request)
    portal = _portal(world, token)
    if portal is None:
        return page("Not found", "", 404)
    form = await _form(request)
    customer = world.get("customer", portal["customer"])
    card = billing.update_card(world, customer, declines=form.get("outcome") == "declined")
    return _after(request, token, portal, f"Card •••• {card['card']['last4']} is now your default.")


# --- hosted invoices -----------------------------------------------------------------------------------
@router.get("/i/{invoice_id}")
async def invoice_page(invoice_id: str, request: Request) -> Response:
    world = _world(request)
    invoice = world.find(invoice_id, "invoice")
    if invoice is None:
        return page("This invoice does not exist", "", 404)
    rows = "".join(
        f"<tr><td>{escape(str(line['description']))}</td><td>{_date(line['period']['start'])} - "
        f"{_date(line['period']['end'])}</td><td class='num'>{escape(billing.money(int(line['amount']), line['currency']))}"
        "</td></tr>"
        for line in invoice["lines"]["data"]
    )
    pay = (
        f"<form method='post' action='/i/{escape(invoice_id)}/pay'><button>Pay with the card on file</button></form>"
        if invoice["status"] == "open"
        else ""
    )
    body = (
        f"<p>Status <b>{escape(invoice['status'])}</b> · amount due "
        f"{escape(billing.money(int(invoice['amount_due']), invoice['currency']))}</p>"
        f"<table>{rows}</table>{pay}"
    )
    return page(f"Invoice {invoice['number'] or invoice_id}", body)


@router.post("/i/{invoice_id}/pay")
async def invoice_pay(invoice_id: str, request: Request) -> Response:
    world = _world(request)
    invoice = world.find(invoice_id, "invoice")
    if invoice is None or invoice["status"] != "open":
        return page("This invoice cannot be paid", "", 409)
    paid = billing.retry_invoice(world, invoice)
    response: Response = (
        RedirectResponse(f"/i/{invoice_id}", status_code=303)
        if paid
        else page("Your card was declined.", f"<p><a href='/i/{escape(invoice_id)}'>Back</a></p>", 402)
    )
    response.background = _flush(request)
    return response
