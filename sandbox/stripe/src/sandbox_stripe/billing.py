"""What Stripe does behind the API: customers and cards, payments, subscriptions and their invoices,
Checkout completion, plan changes with prorations, renewals, failed payments, cancellations — each with the
events Stripe emits."""

from __future__ import annotations

import calendar
import secrets
from datetime import UTC, datetime
from typing import Any

from sandbox_stripe.errors import StripeError, invalid
from sandbox_stripe.events import emit, emit_update
from sandbox_stripe.render import render
from sandbox_stripe.state import World, new_id

SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£", "jpy": "¥", "chf": "CHF ", "cad": "CA$", "aud": "A$"}
ZERO_DECIMAL = {
    "jpy",
    "krw",
    "vnd",
    "clp",
    "xof",
    "xaf",
    "bif",
    "djf",
    "gnf",
    "kmf",
    "mga",
    "pyg",
    "rwf",
    "ugx",
}


# --- small helpers -------------------------------------------------------------------------------------
def money(amount: int, currency: str) -> str:
    """``€9.00`` — how Stripe's pages and line descriptions show an amount."""
    cur = currency.lower()
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    text = f"{value}" if cur in ZERO_DECIMAL else f"{value // 100}.{value % 100:02d}"
    return f"{sign}{SYMBOLS.get(cur, cur.upper() + ' ')}{text}"


def day_text(ts: int) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return f"{moment.day} {moment:%b %Y}"


def add_interval(ts: int, interval: str, count: int, anchor: int | None = None) -> int:
    """``ts`` moved on by ``count`` intervals; months and years keep the anchor's day (clamped: 31 Jan → 28 Feb)."""
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    moment = datetime.fromtimestamp(ts, UTC)
    day = datetime.fromtimestamp(anchor, UTC).day if anchor is not None else moment.day
    months = count * (12 if interval == "year" else 1)
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def interval_text(price: dict[str, Any]) -> str:
    recurring = price.get("recurring")
    if not recurring:
        return ""
    count, interval = recurring["interval_count"], recurring["interval"]
    return f"{interval}" if count == 1 else f"{count} {interval}s"


def product_name(world: World, price: dict[str, Any]) -> str:
    product = world.objects.get(str(price["product"]))
    return str(product["name"]) if product else str(price["product"])


# --- catalog -------------------------------------------------------------------------------------------
def new_product(world: World, name: str, *, announce: bool = True, **fields: Any) -> dict[str, Any]:
    now = world.now()
    product = {
        "id": fields.get("id") or new_id("prod_"),
        "object": "product",
        "active": fields.get("active", True),
        "created": now,
        "default_price": None,
        "description": fields.get("description"),
        "images": fields.get("images", []),
        "livemode": False,
        "marketing_features": [],
        "metadata": fields.get("metadata", {}),
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": fields.get("statement_descriptor"),
        "tax_code": None,
        "type": "service",
        "unit_label": fields.get("unit_label"),
        "updated": now,
        "url": fields.get("url"),
    }
    world.put(product)
    if announce:
        emit(world, "product.created", product)
    return product


def new_price(
    world: World,
    *,
    product: str,
    currency: str,
    unit_amount: int,
    recurring: dict[str, Any] | None,
    lookup_key: str | None = None,
    transfer_lookup_key: bool = False,
    active: bool = True,
    nickname: str | None = None,
    metadata: dict[str, str] | None = None,
    tax_behavior: str = "unspecified",
    announce: bool = True,
) -> dict[str, Any]:
    if lookup_key is not None:
        claim_lookup_key(world, lookup_key, transfer_lookup_key)
    price = {
        "id": new_id("price_"),
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": world.now(),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata or {},
        "nickname": nickname,
        "product": product,
        "recurring": recurring,
        "tax_behavior": tax_behavior,
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }
    world.put(price)
    if announce:
        emit(world, "price.created", price)
    return price


def claim_lookup_key(world: World, lookup_key: str, transfer: bool, owner: str | None = None) -> None:
    """A lookup key names one price; ``transfer_lookup_key`` takes it from the price holding it."""
    holder = next((p for p in world.all("price") if p["lookup_key"] == lookup_key and p["id"] != owner), None)
    if holder is None:
        return
    if not transfer:
        raise invalid(
            f"A price (`{holder['id']}`) already uses that lookup key.", "lookup_key", "lookup_key_in_use"
        )
    before = render(world, holder)
    holder["lookup_key"] = None
    emit_update(world, "price.updated", holder, before)


def recurring_of(
    interval: str, interval_count: int = 1, trial_period_days: int | None = None
) -> dict[str, Any]:
    return {
        "interval": interval,
        "interval_count": interval_count,
        "meter": None,
        "trial_period_days": trial_period_days,
        "usage_type": "licensed",
    }


# --- customers and cards -------------------------------------------------------------------------------
def new_customer(world: World, **fields: Any) -> dict[str, Any]:
    customer = {
        "id": new_id("cus_"),
        "object": "customer",
        "address": fields.get("address"),
        "balance": fields.get("balance", 0),
        "business_name": None,
        "created": world.now(),
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": fields.get("description"),
        "discount": None,
        "email": fields.get("email"),
        "individual_name": None,
        "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": fields.get("metadata", {}),
        "name": fields.get("name"),
        "next_invoice_sequence": 1,
        "phone": fields.get("phone"),
        "preferred_locales": fields.get("preferred_locales", []),
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }
    world.put(customer)
    emit(world, "customer.created", customer)
    return customer


def new_card(
    world: World,
    *,
    declines: bool = False,
    customer: str | None = None,
    email: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A test card: 4242 pays, 0002 (``generic_decline``) is refused."""
    year = datetime.now(UTC).year + 3
    card = {
        "id": new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": {
                "city": None,
                "country": None,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": email,
            "name": name,
            "phone": None,
            "tax_id": None,
        },
        "card": {
            "brand": "visa",
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": "visa",
            "exp_month": 12,
            "exp_year": year,
            "fingerprint": secrets.token_urlsafe(12)[:16],
            "funding": "credit",
            "generated_from": None,
            "last4": "0002" if declines else "4242",
            "networks": {"available": ["visa"], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": world.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "radar_options": None,
        "type": "card",
        "_declines": declines,
    }
    world.put(card)
    if customer is not None:
        card["customer"] = customer
        emit(world, "payment_method.attached", card)
    return card


# --- payments ------------------------------------------------------------------------------------------
def new_intent(
    world: World,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    intent_id = new_id("pi_")
    intent: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
        "confirmation_method": "automatic",
        "created": world.now(),
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_details": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    world.put(intent)
    emit(world, "payment_intent.created", intent)
    return intent


def charge_intent(
    world: World, intent: dict[str, Any], card: dict[str, Any] | None, *, decline: bool
) -> bool:
    """Confirm ``intent`` with ``card``: a charge, then ``payment_intent.succeeded`` or ``.payment_failed``."""
    refused = decline or card is None or bool(card.get("_declines"))
    now = world.now()
    charge: dict[str, Any] | None = None
    if card is not None:
        charge = {
            "id": new_id("ch_"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0 if refused else intent["amount"],
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "authorization_code": None if refused else "123456",
            "balance_transaction": None,
            "billing_details": card["billing_details"],
            "calculated_statement_descriptor": "VITRINE",
            "captured": not refused,
            "created": now,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": "card_declined" if refused else None,
            "failure_message": "Your card was declined." if refused else None,
            "fraud_details": {},
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "on_behalf_of": None,
            "outcome": {
                "network_status": "declined_by_network" if refused else "approved_by_network",
                "reason": "generic_decline" if refused else None,
                "risk_level": "normal",
                "seller_message": (
                    "The bank did not return any further details with this decline."
                    if refused
                    else "Payment complete."
                ),
                "type": "issuer_declined" if refused else "authorized",
            },
            "paid": not refused,
            "payment_intent": intent["id"],
            "payment_method": card["id"],
            "payment_method_details": {
                "card": {
                    "brand": card["card"]["brand"],
                    "country": card["card"]["country"],
                    "exp_month": card["card"]["exp_month"],
                    "exp_year": card["card"]["exp_year"],
                    "funding": card["card"]["funding"],
                    "last4": card["card"]["last4"],
                },
                "type": "card",
            },
            "presentment_details": None,
            "radar_options": None,
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "failed" if refused else "succeeded",
            "transfer_data": None,
            "transfer_group": None,
        }
        world.put(charge)
    intent["payment_method"] = card["id"] if card is not None else None
    if charge is not None:
        intent["latest_charge"] = charge["id"]
    if refused:
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {
            "charge": charge["id"] if charge else None,
            "code": "card_declined" if card is not None else "payment_method_missing",
            "decline_code": "generic_decline" if card is not None else None,
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card was declined." if card is not None else "No payment method is attached.",
            "payment_method": render(world, card) if card is not None else None,
            "type": "card_error" if card is not None else "invalid_request_error",
        }
        if charge is not None:
            emit(world, "charge.failed", charge)
        emit(world, "payment_intent.payment_failed", intent)
        return False
    intent["status"] = "succeeded"
    intent["amount_received"] = intent["amount"]
    intent["last_payment_error"] = None
    assert charge is not None
    emit(world, "charge.succeeded", charge)
    emit(world, "payment_intent.succeeded", intent)
    return True


# --- invoices ------------------------------------------------------------------------------------------
def sub_line(
    world: World,
    sub: dict[str, Any],
    item: dict[str, Any] | None,
    price: dict[str, Any],
    quantity: int,
    period: tuple[int, int],
    *,
    amount: int | None = None,
    description: str | None = None,
    proration: bool = False,
    one_time: bool = False,
) -> dict[str, Any]:
    """A line of a subscription's invoice (``invoice`` is filled in when the invoice is made)."""
    total = price["unit_amount"] * quantity if amount is None else amount
    if description is None:
        per = f" / {interval_text(price)}" if price.get("recurring") else ""
        description = f"{quantity} × {product_name(world, price)} (at {money(price['unit_amount'], price['currency'])}{per})"  # noqa: RUF001
    if proration or one_time:
        parent: dict[str, Any] = {
            "invoice_item_details": {
                "invoice_item": new_id("ii_"),
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    else:
        parent = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"] if item else None,
            },
            "type": "subscription_item_details",
        }
    return {
        "id": new_id("il_"),
        "object": "line_item",
        "amount": total,
        "currency": price["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": not proration,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price["id"], "product": price["product"]},
            "type": "price_details",
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "subscription": sub["id"],
        "subtotal": total,
        "taxes": [],
    }


def new_invoice(
    world: World,
    sub: dict[str, Any],
    *,
    billing_reason: str,
    lines: list[dict[str, Any]],
    period: tuple[int, int],
) -> dict[str, Any]:
    """A draft invoice of ``sub`` (no event yet: :func:`settle` announces, finalizes and collects it)."""
    customer = world.get("customer", sub["customer"])
    invoice_id = new_id("in_")
    for line in lines:
        line["invoice"] = invoice_id
    total = sum(int(line["amount"]) for line in lines)
    invoice = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "FR",
        "account_name": "Vitrine (sandbox)",
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "confirmation_secret": None,
        "created": world.now(),
        "currency": sub["currency"],
        "custom_fields": None,
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "total_count": len(lines),
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": {
            "quote_details": None,
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
            "type": "subscription_details",
        },
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period[1],
        "period_start": period[0],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": None,
        "threshold_reason": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
    }
    world.put(invoice)
    if customer["currency"] is None:
        customer["currency"] = sub["currency"]
    return invoice


def settle(world: World, invoice: dict[str, Any], *, decline: bool = False) -> bool:
    """``invoice.created``, finalize (``invoice.finalized``, the customer's balance applied), then collect."""
    emit(world, "invoice.created", invoice)
    customer = world.get("customer", invoice["customer"])
    now = world.now()
    starting = int(customer["balance"])
    total = int(invoice["total"])
    invoice["starting_balance"] = starting
    invoice["amount_due"] = max(0, total + starting)
    invoice["amount_remaining"] = invoice["amount_due"]
    invoice["ending_balance"] = min(0, total + starting) if starting <= 0 else 0
    customer["balance"] = invoice["ending_balance"]
    invoice["number"] = f"{customer['invoice_prefix']}-{int(customer['next_invoice_sequence']):04d}"
    customer["next_invoice_sequence"] = int(customer["next_invoice_sequence"]) + 1
    invoice["status"] = "open"
    invoice["effective_at"] = now
    invoice["status_transitions"]["finalized_at"] = now
    invoice["hosted_invoice_url"] = f"{world.settings.public_url.rstrip('/')}/i/{invoice['id']}"
    invoice["webhooks_delivered_at"] = now
    emit(world, "invoice.finalized", invoice)
    return collect(world, invoice, decline=decline)


def payment_card(world: World, invoice: dict[str, Any]) -> dict[str, Any] | None:
    """The card an invoice is charged to: its subscription's default, else the customer's."""
    sub_id = invoice["parent"]["subscription_details"]["subscription"]
    sub = world.objects.get(sub_id) or {}
    customer = world.objects.get(invoice["customer"]) or {}
    card_id = sub.get("default_payment_method") or customer.get("invoice_settings", {}).get(
        "default_payment_method"
    )
    return world.objects.get(card_id) if card_id else None


def collect(world: World, invoice: dict[str, Any], *, decline: bool = False) -> bool:
    """Charge an open invoice: ``invoice.paid`` + ``invoice.payment_succeeded``, or ``invoice.payment_failed``."""
    if invoice["status"] != "open":
        raise invalid("Invoice is already paid", "invoice", "invoice_not_open")
    now = world.now()
    invoice["attempted"] = True
    invoice["attempt_count"] = int(invoice["attempt_count"]) + 1
    if invoice["amount_due"] == 0:
        _mark_paid(world, invoice, now)
        return True
    card = payment_card(world, invoice)
    intent_id = world.invoice_intents.get(invoice["id"])
    intent = world.objects.get(intent_id) if intent_id else None
    if intent is None:
        description = (
            "Subscription creation"
            if invoice["billing_reason"] == "subscription_create"
            else "Subscription update"
        )
        intent = new_intent(
            world,
            amount=int(invoice["amount_due"]),
            currency=invoice["currency"],
            customer=invoice["customer"],
            description=description,
        )
        world.invoice_intents[invoice["id"]] = intent["id"]
    payment = next((p for p in world.all("invoice_payment") if p["invoice"] == invoice["id"]), None)
    if payment is None:
        payment = world.put(
            {
                "id": new_id("inpay_"),
                "object": "invoice_payment",
                "amount_paid": None,
                "amount_requested": invoice["amount_due"],
                "created": now,
                "currency": invoice["currency"],
                "invoice": invoice["id"],
                "is_default": True,
                "livemode": False,
                "payment": {"payment_intent": intent["id"], "type": "payment_intent"},
                "status": "open",
                "status_transitions": {"canceled_at": None, "paid_at": None},
            }
        )
    if charge_intent(world, intent, card, decline=decline):
        payment["status"] = "paid"
        payment["amount_paid"] = invoice["amount_due"]
        payment["status_transitions"]["paid_at"] = now
        _mark_paid(world, invoice, now)
        return True
    invoice["next_payment_attempt"] = now + 3 * 86400 if invoice["attempt_count"] < 4 else None
    customer = world.objects.get(invoice["customer"])
    if customer is not None:
        customer["delinquent"] = True
    emit(world, "invoice.payment_failed", invoice)
    return False


def _mark_paid(world: World, invoice: dict[str, Any], now: int) -> None:
    invoice["status"] = "paid"
    invoice["amount_paid"] = invoice["amount_due"]
    invoice["amount_remaining"] = 0
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["paid_at"] = now
    customer = world.objects.get(invoice["customer"])
    if customer is not None and not any(
        i["status"] == "open" and i["customer"] == customer["id"] for i in world.all("invoice")
    ):
        customer["delinquent"] = False
    emit(world, "invoice.paid", invoice)
    emit(world, "invoice.payment_succeeded", invoice)


# --- subscriptions -------------------------------------------------------------------------------------
def period_of(sub: dict[str, Any]) -> tuple[int, int]:
    item = sub["items"]["data"][0]
    return int(item["current_period_start"]), int(item["current_period_end"])


def recurring_key(price: dict[str, Any]) -> tuple[str, int]:
    recurring = price["recurring"]
    return str(recurring["interval"]), int(recurring["interval_count"])


def new_item(
    world: World, sub_id: str, price: dict[str, Any], quantity: int, period: tuple[int, int]
) -> dict[str, Any]:
    return {
        "id": new_id("si_"),
        "object": "subscription_item",
        "billed_until": None,
        "billing_thresholds": None,
        "created": world.now(),
        "current_period_end": period[1],
        "current_period_start": period[0],
        "current_trial": None,
        "discounts": [],
        "metadata": {},
        "price": price["id"],
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    }


def start_subscription(
    world: World,
    *,
    customer: dict[str, Any],
    items: list[tuple[dict[str, Any], int]],
    one_time: list[tuple[dict[str, Any], int]],
    card: dict[str, Any],
    metadata: dict[str, str],
    description: str | None = None,
    trial_period_days: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A subscription as Checkout makes it: ``customer.subscription.created``, then its first invoice, paid."""
    now = world.now()
    sub_id = new_id("sub_")
    first_price = items[0][0]
    interval, count = recurring_key(first_price)
    trial_end = now + trial_period_days * 86400 if trial_period_days else None
    period = (now, trial_end if trial_end else add_interval(now, interval, count))
    sub_items = [new_item(world, sub_id, price, qty, period) for price, qty in items]
    sub: dict[str, Any] = {
        "id": sub_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": period[1] if trial_end else now,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": None, "type": "classic", "updated_at": None},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": first_price["currency"],
        "customer": customer["id"],
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": card["id"],
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {
            "object": "list",
            "data": sub_items,
            "has_more": False,
            "total_count": len(sub_items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata,
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "presentment_details": None,
        "schedule": None,
        "start_date": now,
        "status": "trialing" if trial_end else "active",
        "status_details": None,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": now if trial_end else None,
    }
    world.put(sub)
    lines = []
    for item, (price, qty) in zip(sub_items, items, strict=True):
        if trial_end:
            lines.append(
                sub_line(
                    world,
                    sub,
                    item,
                    price,
                    qty,
                    period,
                    amount=0,
                    description=f"Trial period for {product_name(world, price)}",
                )
            )
        else:
            lines.append(sub_line(world, sub, item, price, qty, period))
    for price, qty in one_time:
        lines.append(sub_line(world, sub, None, price, qty, (now, now), one_time=True))
    invoice = new_invoice(world, sub, billing_reason="subscription_create", lines=lines, period=(now, now))
    sub["latest_invoice"] = invoice["id"]
    emit(world, "customer.subscription.created", sub)
    settle(world, invoice)
    return sub, invoice


def _require_live(sub: dict[str, Any]) -> None:
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid("A canceled subscription can only update its cancellation_details and metadata.")


def renew(world: World, sub: dict[str, Any], *, decline: bool = False) -> dict[str, Any] | None:
    """The period ends: the subscription ends if asked to, or moves on and invoices the new period."""
    _require_live(sub)
    start, end = period_of(sub)
    if sub["cancel_at_period_end"] or (sub["cancel_at"] is not None and sub["cancel_at"] <= end):
        cancel_now(world, sub, ended_at=end)
        return None
    before = render(world, sub)
    price0 = world.get("price", sub["items"]["data"][0]["price"])
    interval, count = recurring_key(price0)
    new_period = (end, add_interval(end, interval, count, anchor=int(sub["billing_cycle_anchor"])))
    lines = []
    for item in sub["items"]["data"]:
        item["current_period_start"], item["current_period_end"] = new_period
        price = world.get("price", item["price"])
        lines.append(sub_line(world, sub, item, price, int(item["quantity"]), new_period))
    lines.extend(world.pending_items.pop(sub["id"], []))
    if sub["status"] == "trialing":
        sub["status"] = "active"
    invoice = new_invoice(world, sub, billing_reason="subscription_cycle", lines=lines, period=(start, end))
    sub["latest_invoice"] = invoice["id"]
    emit_update(world, "customer.subscription.updated", sub, before)
    _collect_for(world, sub, invoice, decline=decline)
    return invoice


def _collect_for(world: World, sub: dict[str, Any], invoice: dict[str, Any], *, decline: bool) -> bool:
    """Settle ``invoice`` and move the subscription to ``past_due`` or back to ``active``."""
    paid = settle(world, invoice, decline=decline)
    set_status_after_payment(world, sub, paid)
    return paid


def set_status_after_payment(world: World, sub: dict[str, Any], paid: bool) -> None:
    before = render(world, sub)
    if not paid and sub["status"] in ("active", "trialing"):
        sub["status"] = "past_due"
    elif paid and sub["status"] in ("past_due", "unpaid", "incomplete"):
        sub["status"] = "active"
    emit_update(world, "customer.subscription.updated", sub, before)


def retry_invoice(world: World, invoice: dict[str, Any], *, decline: bool = False) -> bool:
    """Another attempt at an open invoice; a paid one brings its subscription back to ``active``."""
    paid = collect(world, invoice, decline=decline)
    sub_id = invoice["parent"]["subscription_details"]["subscription"]
    sub = world.objects.get(sub_id)
    if sub is not None and sub["status"] != "canceled" and sub.get("latest_invoice") == invoice["id"]:
        set_status_after_payment(world, sub, paid)
    return paid


def cancel_now(
    world: World,
    sub: dict[str, Any],
    *,
    ended_at: int | None = None,
    comment: str | None = None,
    feedback: str | None = None,
) -> dict[str, Any]:
    """The subscription ends: ``customer.subscription.deleted`` with its final state."""
    if sub["status"] == "canceled":
        raise invalid(f"No such subscription: '{sub['id']}'", "id", "resource_missing")
    now = world.now()
    sub["status"] = "canceled"
    sub["canceled_at"] = sub["canceled_at"] or now
    sub["ended_at"] = ended_at or now
    details = sub["cancellation_details"]
    details["reason"] = details["reason"] or "cancellation_requested"
    if comment is not None:
        details["comment"] = comment
    if feedback is not None:
        details["feedback"] = feedback
    world.pending_items.pop(sub["id"], None)
    emit(world, "customer.subscription.deleted", sub)
    return sub


def set_cancel_at_period_end(
    sub: dict[str, Any], flag: bool, now: int, comment: str | None = None, feedback: str | None = None
) -> None:
    if flag:
        sub["cancel_at_period_end"] = True
        sub["cancel_at"] = period_of(sub)[1]
        sub["canceled_at"] = now
        sub["cancellation_details"] = {
            "comment": comment,
            "feedback": feedback,
            "reason": "cancellation_requested",
        }
    else:
        sub["cancel_at_period_end"] = False
        sub["cancel_at"] = None
        sub["canceled_at"] = None
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": None}


def change_items(
    world: World,
    sub: dict[str, Any],
    changes: list[dict[str, Any]],
    proration_behavior: str,
) -> list[dict[str, Any]] | None:
    """Apply item changes (``{id?, price?, quantity?, deleted?, metadata?}``) and work out prorations.

    Returns the lines of an invoice to make now (a new billing period, or ``always_invoice``), else None;
    ``create_prorations`` leaves its lines for the next invoice.
    """
    now = world.now()
    start, end = period_of(sub)
    items: list[dict[str, Any]] = sub["items"]["data"]
    old = {item["id"]: (item["price"], int(item["quantity"])) for item in items}
    for index, change in enumerate(changes):
        param = f"items[{index}]"
        item_id = change.get("id")
        item = next((i for i in items if i["id"] == item_id), None) if item_id else None
        if item_id and item is None:
            raise invalid(f"Invalid subscription_item id: {item_id}", f"{param}[id]", "resource_missing")
        if change.get("deleted"):
            if item is None:
                raise invalid("To delete an item you must give its id.", f"{param}[id]")
            items.remove(item)
            continue
        price = change.get("price_obj")
        quantity = change.get("quantity")
        if item is None:
            if price is None:
                raise invalid("You must provide a price for a new subscription item.", f"{param}[price]")
            if any(i["price"] == price["id"] for i in items):
                raise invalid(
                    "Cannot add multiple subscription items with the same price.", f"{param}[price]"
                )
            item = new_item(world, sub["id"], price, quantity or 1, (start, end))
            items.append(item)
        else:
            if price is not None:
                item["price"] = price["id"]
            if quantity is not None:
                item["quantity"] = quantity
        if change.get("metadata") is not None:
            item["metadata"] = change["metadata"]
    if not items:
        raise invalid("A subscription must have at least one active item.", "items")
    prices = {i["id"]: world.get("price", i["price"]) for i in items}
    currencies = {p["currency"] for p in prices.values()}
    keys = {recurring_key(p) for p in prices.values()}
    if currencies != {sub["currency"]}:
        raise invalid("The currency of a price must match the subscription's currency.", "items")
    if len(keys) > 1:
        raise invalid(
            "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.",
            "items",
        )
    sub["items"]["total_count"] = len(items)
    old_key = recurring_key(world.get("price", next(iter(old.values()))[0]))
    new_key = next(iter(keys))
    fraction = 0.0 if end <= start else max(0.0, min(1.0, (end - now) / (end - start)))
    credits: list[dict[str, Any]] = []
    debits: list[dict[str, Any]] = []
    current = {i["id"]: (i["price"], int(i["quantity"])) for i in items}
    for item_id in old.keys() | current.keys():
        before, after = old.get(item_id), current.get(item_id)
        if before == after:
            continue
        item = next((i for i in items if i["id"] == item_id), None)
        if before is not None:
            price = world.get("price", before[0])
            credits.append(
                sub_line(
                    world,
                    sub,
                    item,
                    price,
                    before[1],
                    (now, end),
                    amount=-round(price["unit_amount"] * before[1] * fraction),
                    description=f"Unused time on {product_name(world, price)} after {day_text(now)}",
                    proration=True,
                )
            )
        if after is not None and new_key == old_key:
            price = world.get("price", after[0])
            debits.append(
                sub_line(
                    world,
                    sub,
                    item,
                    price,
                    after[1],
                    (now, end),
                    amount=round(price["unit_amount"] * after[1] * fraction),
                    description=f"Remaining time on {product_name(world, price)} after {day_text(now)}",
                    proration=True,
                )
            )
    if new_key != old_key:
        # A new billing period starts now and is invoiced at once, less the unused time of the old one.
        new_period = (now, add_interval(now, new_key[0], new_key[1]))
        sub["billing_cycle_anchor"] = now
        lines = [] if proration_behavior == "none" else credits
        for item in items:
            item["current_period_start"], item["current_period_end"] = new_period
            lines = [
                *lines,
                sub_line(world, sub, item, prices[item["id"]], int(item["quantity"]), new_period),
            ]
        return lines
    prorations = [line for line in credits + debits if line["amount"] != 0]
    if proration_behavior == "none" or not prorations:
        return None
    if proration_behavior == "always_invoice":
        return prorations
    world.pending_items.setdefault(sub["id"], []).extend(prorations)
    return None


def update_subscription(
    world: World,
    sub: dict[str, Any],
    *,
    changes: list[dict[str, Any]] | None = None,
    proration_behavior: str = "create_prorations",
    cancel_at_period_end: bool | None = None,
    metadata: dict[str, str] | None = None,
    description: str | None = None,
    default_payment_method: str | None = None,
    comment: str | None = None,
    feedback: str | None = None,
) -> dict[str, Any]:
    """Subscription update as ``POST /v1/subscriptions/{id}`` and the portal do it: one
    ``customer.subscription.updated``, then the invoice a change calls for."""
    before = render(world, sub)
    invoice_lines = None
    if changes:
        _require_live(sub)
        invoice_lines = change_items(world, sub, changes, proration_behavior)
    if cancel_at_period_end is not None:
        _require_live(sub)
        if cancel_at_period_end != sub["cancel_at_period_end"]:
            set_cancel_at_period_end(sub, cancel_at_period_end, world.now(), comment, feedback)
    elif comment is not None or feedback is not None:
        if comment is not None:
            sub["cancellation_details"]["comment"] = comment
        if feedback is not None:
            sub["cancellation_details"]["feedback"] = feedback
    if metadata is not None:
        sub["metadata"] = metadata
    if description is not None:
        sub["description"] = description or None
    if default_payment_method is not None:
        sub["default_payment_method"] = default_payment_method
    invoice = None
    if invoice_lines:
        start, end = period_of(sub)
        invoice = new_invoice(
            world, sub, billing_reason="subscription_update", lines=invoice_lines, period=(start, end)
        )
        sub["latest_invoice"] = invoice["id"]
    emit_update(world, "customer.subscription.updated", sub, before)
    if invoice is not None:
        _collect_for(world, sub, invoice, decline=False)
    return sub


def update_card(world: World, customer: dict[str, Any], *, declines: bool = False) -> dict[str, Any]:
    """A new default card (the portal's "update payment method"); open invoices are tried again with it."""
    card = new_card(
        world, declines=declines, customer=customer["id"], email=customer["email"], name=customer["name"]
    )
    before = render(world, customer)
    customer["invoice_settings"]["default_payment_method"] = card["id"]
    emit_update(world, "customer.updated", customer, before)
    for sub in world.all("subscription"):
        if sub["customer"] == customer["id"] and sub["status"] != "canceled":
            update_subscription(world, sub, default_payment_method=card["id"])
    for invoice in sorted(world.all("invoice"), key=lambda i: i["created"]):
        if invoice["customer"] == customer["id"] and invoice["status"] == "open":
            retry_invoice(world, invoice)
    return card


# --- Checkout ------------------------------------------------------------------------------------------
def complete_checkout(
    world: World,
    session: dict[str, Any],
    *,
    decline: bool,
    email: str | None = None,
    name: str | None = None,
) -> StripeError | None:
    """The customer pays on the hosted page: None when the session completed, else the card error shown."""
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is no longer open (status: {session['status']}).")
    email = email or session["customer_email"] or (session["customer_details"] or {}).get("email")
    customer = world.objects.get(session["customer"]) if session["customer"] else None
    if customer is not None:
        email = email or customer["email"]
        name = name or customer["name"]
    email = email or "customer@example.com"
    lines = session["_line_items"]
    mode = session["mode"]
    if decline:
        if mode == "payment":
            intent = _session_intent(world, session, None)
            card = new_card(world, declines=True, email=email, name=name)
            charge_intent(world, intent, card, decline=True)
        return StripeError(
            402,
            "Your card was declined.",
            type="card_error",
            code="card_declined",
            extra={"decline_code": "generic_decline"},
        )
    if customer is None and (mode == "subscription" or session["customer_creation"] == "always"):
        customer = new_customer(world, email=email, name=name)
    card = new_card(world, customer=customer["id"] if customer else None, email=email, name=name)
    session["customer"] = customer["id"] if customer else None
    session["customer_details"] = {
        "address": None,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    if mode == "subscription":
        assert customer is not None
        recurring: list[tuple[dict[str, Any], int]] = []
        one_time: list[tuple[dict[str, Any], int]] = []
        for line in lines:
            price = world.get("price", line["price"])
            (recurring if price["recurring"] else one_time).append((price, int(line["quantity"])))
        data = session["_subscription_data"]
        sub, invoice = start_subscription(
            world,
            customer=customer,
            items=recurring,
            one_time=one_time,
            card=card,
            metadata=data.get("metadata", {}),
            description=data.get("description"),
            trial_period_days=data.get("trial_period_days"),
        )
        session["subscription"] = sub["id"]
        session["invoice"] = invoice["id"]
        session["payment_status"] = "paid" if invoice["status"] == "paid" else "unpaid"
        if invoice["amount_due"] == 0 and invoice["status"] == "paid":
            session["payment_status"] = "no_payment_required" if sub["status"] == "trialing" else "paid"
    else:
        intent = _session_intent(world, session, customer)
        intent["customer"] = customer["id"] if customer else None
        if int(session["amount_total"]) > 0:
            charge_intent(world, intent, card, decline=False)
            session["payment_status"] = "paid"
        else:
            session["payment_status"] = "no_payment_required"
    session["status"] = "complete"
    session["url"] = None
    emit(world, "checkout.session.completed", session)
    return None


def _session_intent(world: World, session: dict[str, Any], customer: dict[str, Any] | None) -> dict[str, Any]:
    if session["payment_intent"]:
        return world.get("payment_intent", session["payment_intent"])
    data = session["_payment_intent_data"]
    intent = new_intent(
        world,
        amount=int(session["amount_total"]),
        currency=session["currency"],
        customer=customer["id"] if customer else session["customer"],
        description=data.get("description"),
        metadata=data.get("metadata", {}),
    )
    session["payment_intent"] = intent["id"]
    return intent


def expire_checkout(world: World, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a '
            f'status of "{session["status"]}".'
        )
    session["status"] = "expired"
    session["url"] = None
    emit(world, "checkout.session.expired", session)
    return session


def sweep(world: World) -> None:
    """Sessions past their ``expires_at`` expire (``checkout.session.expired``)."""
    now = world.now()
    for session in world.all("checkout.session"):
        if session["status"] == "open" and int(session["expires_at"]) <= now:
            expire_checkout(world, session)
