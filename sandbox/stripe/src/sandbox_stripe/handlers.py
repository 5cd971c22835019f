"""The ``/v1`` endpoints: each handler checks parameters as Stripe does and returns the object to answer."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sandbox_stripe import billing, forms
from sandbox_stripe.errors import StripeError, bad_reference, invalid, missing_param, no_such
from sandbox_stripe.events import emit, emit_update
from sandbox_stripe.forms import check_known, get_bool, get_dict, get_enum, get_int, get_list, get_str
from sandbox_stripe.render import list_object, render
from sandbox_stripe.search import matcher
from sandbox_stripe.state import Endpoint, World, new_id

INTERVALS = ("day", "week", "month", "year")
CARD_TOKENS = {"pm_card_visa": False, "pm_card_mastercard": False, "pm_card_chargeDeclined": True}


@dataclass
class Ctx:
    world: World
    params: dict[str, Any]
    method: str
    path: str
    request_id: str
    idempotency_key: str | None

    @property
    def public_url(self) -> str:
        return self.world.settings.public_url.rstrip("/")


Handler = Callable[..., dict[str, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append((method, regex, handler))
        return handler

    return register


def resolve(method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
    """The handler of ``method path``; literal routes (``/v1/prices/search``) before ones with an ``{id}``."""
    for verb, regex, handler in sorted(ROUTES, key=lambda r: r[1].groups > 0):
        match = regex.match(path)
        if match and verb == method:
            return handler, match.groupdict()
    return None


# --- lists and search ----------------------------------------------------------------------------------
LIST_PARAMS = {"limit", "starting_after", "ending_before", "created"}


def paginate(ctx: Ctx, items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """Stripe's cursor pagination: newest first, ``limit`` 1-100 (10), ``starting_after``/``ending_before``."""
    params = ctx.params
    limit = get_int(params, "limit", minimum=1, maximum=100) or 10
    bounds = forms.range_filter(params, "created")
    items = [o for o in items if forms.in_range(int(o.get("created", 0)), bounds)]
    ids = [str(o["id"]) for o in items]
    after = get_str(params, "starting_after")
    before = get_str(params, "ending_before")
    if after is not None:
        if after not in ids:
            raise _cursor_missing(ctx.world, after, "starting_after")
        start = ids.index(after) + 1
        window, has_more = items[start : start + limit], len(items) > start + limit
    elif before is not None:
        if before not in ids:
            raise _cursor_missing(ctx.world, before, "ending_before")
        end = ids.index(before)
        begin = max(0, end - limit)
        window, has_more = items[begin:end], begin > 0
    else:
        window, has_more = items[:limit], len(items) > limit
    return list_object(url, [render(ctx.world, o) for o in window], has_more)


def _cursor_missing(world: World, object_id: str, param: str) -> StripeError:
    found = world.objects.get(object_id)
    kind = str(found["object"]) if found else "object"
    return invalid(f"No such {kind}: '{object_id}'", param, "resource_missing")


def search_page(
    ctx: Ctx, items: list[dict[str, Any]], resource: str, fields: dict[str, Callable[[dict[str, Any]], Any]]
) -> dict[str, Any]:
    check_known(ctx.params, {"query", "limit", "page"})
    query = get_str(ctx.params, "query", required=True)
    assert query is not None
    limit = get_int(ctx.params, "limit", minimum=1, maximum=100) or 10
    page = get_str(ctx.params, "page")
    offset = 0
    if page is not None:
        try:
            offset = int(base64.urlsafe_b64decode(page.encode()).decode())
        except ValueError as exc:
            raise invalid("Invalid page token.", "page") from exc
    test = matcher(query, resource, fields)
    found = [o for o in items if test(o)]
    window = found[offset : offset + limit]
    more = len(found) > offset + limit
    token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else None
    return {
        "object": "search_result",
        "data": [render(ctx.world, o) for o in window],
        "has_more": more,
        "next_page": token,
        "url": f"/v1/{resource}/search",
    }


def _deleted(obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def _email(params: dict[str, Any], name: str) -> str | None:
    value = get_str(params, name, max_length=512)
    if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise invalid(f"Invalid email address: {value}", name, "email_invalid")
    return value


def _url(params: dict[str, Any], name: str, *, required: bool = False, prefix: str = "") -> str | None:
    value = get_str(params, name, required=required, prefix=prefix, max_length=5000)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid("Not a valid URL", f"{prefix}[{name}]" if prefix else name, "url_invalid")
    return value


# --- products ------------------------------------------------------------------------------------------
PRODUCT_CREATE = {
    "active", "default_price_data", "description", "id", "images", "marketing_features", "metadata", "name",
    "package_dimensions", "shippable", "statement_descriptor", "tax_code", "tax_details", "type", "unit_label",
    "url",
}  # fmt: skip
PRODUCT_UPDATE = {
    "active", "default_price", "description", "images", "marketing_features", "metadata", "name",
    "package_dimensions", "shippable", "statement_descriptor", "tax_code", "tax_details", "unit_label", "url",
}  # fmt: skip


@route("POST", "/v1/products")
def create_product(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, PRODUCT_CREATE)
    name = get_str(p, "name", required=True, max_length=250)
    assert name is not None
    product_id = get_str(p, "id")
    if product_id is not None and product_id in ctx.world.objects:
        raise invalid("Product already exists.", "id", "resource_already_exists")
    active = get_bool(p, "active")
    product = billing.new_product(
        ctx.world,
        name,
        announce=False,
        id=product_id,
        active=True if active is None else active,
        description=get_str(p, "description"),
        images=forms.get_str_list(p, "images") or [],
        metadata=forms.created_metadata(forms.metadata(p)),
        statement_descriptor=get_str(p, "statement_descriptor"),
        unit_label=get_str(p, "unit_label"),
        url=get_str(p, "url"),
    )
    data = get_dict(p, "default_price_data")
    if data is not None:
        check_known(
            data,
            {"currency", "currency_options", "custom_unit_amount", "metadata", "recurring", "tax_behavior",
             "unit_amount", "unit_amount_decimal"},
            prefix="default_price_data",
        )  # fmt: skip
        price = _price_from(ctx.world, data, "default_price_data", product["id"], announce=True)
        product["default_price"] = price["id"]
    emit(ctx.world, "product.created", product)
    return render(ctx.world, product)


@route("GET", "/v1/products/{id}")
def get_product(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("product", id))


@route("POST", "/v1/products/{id}")
def update_product(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, PRODUCT_UPDATE)
    product = ctx.world.get("product", id)
    before = render(ctx.world, product)
    name = get_str(p, "name", max_length=250)
    if name is not None:
        product["name"] = name
    for field in ("description", "statement_descriptor", "unit_label", "url"):
        if field in p:
            product[field] = get_str(p, field)
    active = get_bool(p, "active")
    if active is not None:
        product["active"] = active
    default_price = get_str(p, "default_price")
    if default_price is not None:
        price = ctx.world.find(default_price, "price")
        if price is None or price["product"] != id:
            raise bad_reference("price", default_price, "default_price")
        product["default_price"] = default_price
    if "images" in p:
        product["images"] = forms.get_str_list(p, "images") or []
    product["metadata"] = forms.merge_metadata(product["metadata"], forms.metadata(p), raw=p.get("metadata"))
    product["updated"] = ctx.world.now()
    emit_update(ctx.world, "product.updated", product, before)
    return render(ctx.world, product)


@route("GET", "/v1/products")
def list_products(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"active", "ids", "shippable", "type", "url"})
    items = ctx.world.all("product")
    active = get_bool(ctx.params, "active")
    if active is not None:
        items = [o for o in items if o["active"] == active]
    ids = forms.get_str_list(ctx.params, "ids")
    if ids is not None:
        items = [o for o in items if o["id"] in ids]
    return paginate(ctx, items, "/v1/products")


@route("GET", "/v1/products/search")
def search_products(ctx: Ctx) -> dict[str, Any]:
    fields = {
        "active": lambda o: o["active"],
        "name": lambda o: o["name"],
        "description": lambda o: o["description"],
        "created": lambda o: o["created"],
        "url": lambda o: o["url"],
    }
    return search_page(ctx, ctx.world.all("product"), "products", fields)


@route("DELETE", "/v1/products/{id}")
def delete_product(ctx: Ctx, id: str) -> dict[str, Any]:
    product = ctx.world.get("product", id)
    if any(p["product"] == id for p in ctx.world.all("price")):
        raise invalid("This product cannot be deleted because it has one or more user-created prices.")
    product["deleted"] = True
    emit(ctx.world, "product.deleted", product)
    return _deleted(product)


# --- prices --------------------------------------------------------------------------------------------
PRICE_CREATE = {
    "active", "billing_scheme", "currency", "currency_options", "custom_unit_amount", "lookup_key", "metadata",
    "nickname", "product", "product_data", "recurring", "tax_behavior", "tiers", "tiers_mode",
    "transfer_lookup_key", "transform_quantity", "unit_amount", "unit_amount_decimal",
}  # fmt: skip
PRICE_UPDATE = {
    "active",
    "currency_options",
    "lookup_key",
    "metadata",
    "nickname",
    "tax_behavior",
    "transfer_lookup_key",
}
TAX_BEHAVIORS = ("exclusive", "inclusive", "unspecified")


def _currency(params: dict[str, Any], prefix: str = "") -> str:
    currency = get_str(params, "currency", required=True, prefix=prefix)
    assert currency is not None
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise invalid(f"Invalid currency: {currency}", f"{prefix}[currency]" if prefix else "currency")
    return currency.lower()


def _unit_amount(params: dict[str, Any], prefix: str = "") -> int:
    amount = get_int(params, "unit_amount", prefix=prefix, minimum=0, maximum=99_999_999)
    if amount is None:
        decimal = get_str(params, "unit_amount_decimal", prefix=prefix)
        if decimal is not None:
            if not re.fullmatch(r"\d+", decimal):
                raise invalid(
                    "The sandbox supports whole-number unit_amount_decimal only.",
                    f"{prefix}[unit_amount_decimal]" if prefix else "unit_amount_decimal",
                )
            amount = int(decimal)
    if amount is None:
        raise missing_param(f"{prefix}[unit_amount]" if prefix else "unit_amount")
    return amount


def _recurring(params: dict[str, Any], prefix: str = "") -> dict[str, Any] | None:
    name = f"{prefix}[recurring]" if prefix else "recurring"
    data = get_dict(params, "recurring", prefix=prefix)
    if data is None:
        return None
    check_known(data, {"interval", "interval_count", "meter", "trial_period_days", "usage_type"}, prefix=name)
    interval = get_enum(data, "interval", INTERVALS, required=True, prefix=name)
    assert interval is not None
    count = get_int(data, "interval_count", prefix=name, minimum=1) or 1
    limit = {"day": 365, "week": 52, "month": 12, "year": 1}[interval]
    if count > limit:
        raise invalid("Maximum billing period is 1 year.", f"{name}[interval_count]")
    usage = get_enum(data, "usage_type", ("licensed", "metered"), prefix=name) or "licensed"
    if usage == "metered":
        raise invalid("The sandbox supports licensed (not metered) prices only.", f"{name}[usage_type]")
    trial = get_int(data, "trial_period_days", prefix=name, minimum=1, maximum=730)
    return billing.recurring_of(interval, count, trial)


def _price_from(
    world: World, data: dict[str, Any], prefix: str, product: str, *, announce: bool, active: bool = True
) -> dict[str, Any]:
    return billing.new_price(
        world,
        product=product,
        currency=_currency(data, prefix),
        unit_amount=_unit_amount(data, prefix),
        recurring=_recurring(data, prefix),
        metadata=forms.created_metadata(forms.metadata(data, prefix=prefix)),
        tax_behavior=get_enum(data, "tax_behavior", TAX_BEHAVIORS, prefix=prefix) or "unspecified",
        announce=announce,
        active=active,
    )


@route("POST", "/v1/prices")
def create_price(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, PRICE_CREATE)
    scheme = get_enum(p, "billing_scheme", ("per_unit", "tiered"))
    if scheme == "tiered" or "tiers" in p or "custom_unit_amount" in p or "transform_quantity" in p:
        raise invalid("The sandbox supports per_unit prices with a unit_amount only.", "billing_scheme")
    product_id = get_str(p, "product")
    product_data = get_dict(p, "product_data")
    if (product_id is None) == (product_data is None):
        raise invalid("You must specify either `product` or `product_data` when creating a price.", "product")
    currency = _currency(p)
    amount = _unit_amount(p)
    recurring = _recurring(p)
    lookup_key = get_str(p, "lookup_key", max_length=200)
    if product_id is not None:
        if ctx.world.find(product_id, "product") is None:
            raise bad_reference("product", product_id, "product")
    else:
        assert product_data is not None
        check_known(
            product_data,
            {
                "active",
                "id",
                "metadata",
                "name",
                "statement_descriptor",
                "tax_code",
                "tax_details",
                "unit_label",
            },
            prefix="product_data",
        )
        name = get_str(product_data, "name", required=True, prefix="product_data")
        assert name is not None
        product_id = billing.new_product(
            ctx.world,
            name,
            id=get_str(product_data, "id", prefix="product_data"),
            metadata=forms.created_metadata(forms.metadata(product_data, prefix="product_data")),
        )["id"]
    active = get_bool(p, "active")
    price = billing.new_price(
        ctx.world,
        product=str(product_id),
        currency=currency,
        unit_amount=amount,
        recurring=recurring,
        lookup_key=lookup_key,
        transfer_lookup_key=bool(get_bool(p, "transfer_lookup_key")),
        active=True if active is None else active,
        nickname=get_str(p, "nickname"),
        metadata=forms.created_metadata(forms.metadata(p)),
        tax_behavior=get_enum(p, "tax_behavior", TAX_BEHAVIORS) or "unspecified",
    )
    return render(ctx.world, price)


@route("GET", "/v1/prices/search")
def search_prices(ctx: Ctx) -> dict[str, Any]:
    fields = {
        "active": lambda o: o["active"],
        "currency": lambda o: o["currency"],
        "lookup_key": lambda o: o["lookup_key"],
        "product": lambda o: o["product"],
        "type": lambda o: o["type"],
        "created": lambda o: o["created"],
    }
    prices = [o for o in ctx.world.all("price") if not o.get("_inline")]
    return search_page(ctx, prices, "prices", fields)


@route("GET", "/v1/prices/{id}")
def get_price(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("price", id))


@route("POST", "/v1/prices/{id}")
def update_price(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, PRICE_UPDATE)
    price = ctx.world.get("price", id)
    before = render(ctx.world, price)
    if "lookup_key" in p:
        key = get_str(p, "lookup_key", max_length=200)
        if key is not None:
            billing.claim_lookup_key(ctx.world, key, bool(get_bool(p, "transfer_lookup_key")), owner=id)
        price["lookup_key"] = key
    active = get_bool(p, "active")
    if active is not None:
        price["active"] = active
    if "nickname" in p:
        price["nickname"] = get_str(p, "nickname")
    behavior = get_enum(p, "tax_behavior", TAX_BEHAVIORS)
    if behavior is not None:
        price["tax_behavior"] = behavior
    price["metadata"] = forms.merge_metadata(price["metadata"], forms.metadata(p), raw=p.get("metadata"))
    emit_update(ctx.world, "price.updated", price, before)
    return render(ctx.world, price)


@route("GET", "/v1/prices")
def list_prices(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, LIST_PARAMS | {"active", "currency", "lookup_keys", "product", "recurring", "type"})
    # Active prices unless asked otherwise; inline prices (``price_data``) never.
    active = get_bool(p, "active")
    wanted = True if active is None else active
    items = [o for o in ctx.world.all("price") if o["active"] == wanted and not o.get("_inline")]
    currency = get_str(p, "currency")
    if currency is not None:
        items = [o for o in items if o["currency"] == currency.lower()]
    keys = forms.get_str_list(p, "lookup_keys")
    if keys is not None:
        if len(keys) > 10:
            raise invalid("You can specify up to 10 lookup_keys.", "lookup_keys")
        items = [o for o in items if o["lookup_key"] in keys]
    product = get_str(p, "product")
    if product is not None:
        items = [o for o in items if o["product"] == product]
    kind = get_enum(p, "type", ("one_time", "recurring"))
    if kind is not None:
        items = [o for o in items if o["type"] == kind]
    recurring = get_dict(p, "recurring")
    if recurring is not None:
        check_known(recurring, {"interval", "meter", "usage_type"}, prefix="recurring")
        interval = get_enum(recurring, "interval", INTERVALS, prefix="recurring")
        if interval is not None:
            items = [o for o in items if o["recurring"] and o["recurring"]["interval"] == interval]
    return paginate(ctx, items, "/v1/prices")


# --- customers -----------------------------------------------------------------------------------------
CUSTOMER_CREATE = {
    "address", "balance", "business_name", "cash_balance", "description", "email", "individual_name",
    "invoice_prefix", "invoice_settings", "metadata", "name", "next_invoice_sequence", "payment_method", "phone",
    "preferred_locales", "shipping", "source", "tax", "tax_exempt", "tax_id_data", "test_clock", "validate",
}  # fmt: skip
CUSTOMER_UPDATE = {
    "address", "balance", "business_name", "cash_balance", "default_source", "description", "email",
    "individual_name", "invoice_prefix", "invoice_settings", "metadata", "name", "next_invoice_sequence", "phone",
    "preferred_locales", "shipping", "source", "tax", "tax_exempt", "validate",
}  # fmt: skip


def _card_for(world: World, customer: dict[str, Any], pm: str, param: str) -> dict[str, Any]:
    """An existing card of this customer, or a test card token (``pm_card_visa``, ``pm_card_chargeDeclined``)."""
    if pm in CARD_TOKENS:
        return billing.new_card(
            world,
            declines=CARD_TOKENS[pm],
            customer=customer["id"],
            email=customer["email"],
            name=customer["name"],
        )
    card = world.find(pm, "payment_method")
    if card is None:
        raise bad_reference("PaymentMethod", pm, param)
    if card["customer"] is None:
        card["customer"] = customer["id"]
        emit(world, "payment_method.attached", card)
    elif card["customer"] != customer["id"]:
        raise invalid("The payment method belongs to another customer.", param)
    return card


@route("POST", "/v1/customers")
def create_customer(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, CUSTOMER_CREATE)
    customer = billing.new_customer(
        ctx.world,
        email=_email(p, "email"),
        name=get_str(p, "name", max_length=256),
        description=get_str(p, "description"),
        phone=get_str(p, "phone"),
        balance=get_int(p, "balance") or 0,
        metadata=forms.created_metadata(forms.metadata(p)),
        preferred_locales=forms.get_str_list(p, "preferred_locales") or [],
    )
    pm = get_str(p, "payment_method")
    settings = get_dict(p, "invoice_settings")
    if pm is not None:
        card = _card_for(ctx.world, customer, pm, "payment_method")
        if settings and settings.get("default_payment_method") == pm:
            customer["invoice_settings"]["default_payment_method"] = card["id"]
    return render(ctx.world, customer)


@route("GET", "/v1/customers/search")
def search_customers(ctx: Ctx) -> dict[str, Any]:
    fields = {
        "email": lambda o: o["email"],
        "name": lambda o: o["name"],
        "phone": lambda o: o["phone"],
        "created": lambda o: o["created"],
    }
    return search_page(ctx, ctx.world.all("customer"), "customers", fields)


@route("GET", "/v1/customers/{id}")
def get_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    found = ctx.world.objects.get(id)
    if found is not None and found.get("object") == "customer" and found.get("deleted"):
        return _deleted(found)
    return render(ctx.world, ctx.world.get("customer", id))


@route("POST", "/v1/customers/{id}")
def update_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, CUSTOMER_UPDATE)
    customer = ctx.world.get("customer", id)
    before = render(ctx.world, customer)
    if "email" in p:
        customer["email"] = _email(p, "email")
    for field, limit in (("name", 256), ("description", None), ("phone", None)):
        if field in p:
            customer[field] = get_str(p, field, max_length=limit)
    balance = get_int(p, "balance")
    if balance is not None:
        customer["balance"] = balance
    if "preferred_locales" in p:
        customer["preferred_locales"] = forms.get_str_list(p, "preferred_locales") or []
    settings = get_dict(p, "invoice_settings")
    if settings is not None:
        check_known(
            settings,
            {"custom_fields", "default_payment_method", "footer", "rendering_options"},
            "invoice_settings",
        )
        pm = get_str(settings, "default_payment_method", prefix="invoice_settings")
        if pm is not None:
            card = _card_for(ctx.world, customer, pm, "invoice_settings[default_payment_method]")
            customer["invoice_settings"]["default_payment_method"] = card["id"]
    customer["metadata"] = forms.merge_metadata(
        customer["metadata"], forms.metadata(p), raw=p.get("metadata")
    )
    emit_update(ctx.world, "customer.updated", customer, before)
    return render(ctx.world, customer)


@route("DELETE", "/v1/customers/{id}")
def delete_customer(ctx: Ctx, id: str) -> dict[str, Any]:
    customer = ctx.world.get("customer", id)
    for sub in ctx.world.all("subscription"):
        if sub["customer"] == id and sub["status"] != "canceled":
            billing.cancel_now(ctx.world, sub)
    emit(ctx.world, "customer.deleted", customer)
    customer["deleted"] = True
    return _deleted(customer)


@route("GET", "/v1/customers")
def list_customers(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"email", "test_clock"})
    items = ctx.world.all("customer")
    email = get_str(ctx.params, "email")
    if email is not None:
        items = [o for o in items if o["email"] == email]
    return paginate(ctx, items, "/v1/customers")


@route("GET", "/v1/payment_methods/{id}")
def get_payment_method(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("payment_method", id))


@route("GET", "/v1/customers/{id}/payment_methods")
def customer_payment_methods(ctx: Ctx, id: str) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"type", "allow_redisplay"})
    ctx.world.get("customer", id)
    items = [o for o in ctx.world.all("payment_method") if o["customer"] == id]
    return paginate(ctx, items, f"/v1/customers/{id}/payment_methods")


# --- Checkout Sessions ---------------------------------------------------------------------------------
CHECKOUT_CREATE = {
    "adaptive_pricing", "after_expiration", "allow_promotion_codes", "allowed_payment_method_types",
    "automatic_tax", "billing_address_collection", "branding_settings", "cancel_url", "client_reference_id",
    "consent_collection", "currency", "custom_fields", "custom_text", "customer", "customer_account",
    "customer_creation", "customer_email", "customer_update", "discounts", "excluded_payment_method_types",
    "expires_at", "integration_identifier", "invoice_creation", "line_items", "locale", "managed_payments",
    "metadata", "mode", "name_collection", "optional_items", "origin_context", "payment_intent_data",
    "payment_method_collection", "payment_method_configuration", "payment_method_data",
    "payment_method_options", "payment_method_types", "permissions", "phone_number_collection",
    "redirect_on_completion", "return_url", "saved_payment_method_options", "setup_intent_data",
    "shipping_address_collection", "shipping_options", "submit_type", "subscription_data", "success_url",
    "tax_id_collection", "ui_mode", "wallet_options",
}  # fmt: skip
LINE_ITEM = {
    "adjustable_quantity",
    "dynamic_tax_rates",
    "metadata",
    "price",
    "price_data",
    "quantity",
    "tax_rates",
}
SUBSCRIPTION_DATA = {
    "application_fee_percent", "billing_cycle_anchor", "billing_cycle_anchor_config", "billing_mode",
    "default_tax_rates", "description", "invoice_settings", "metadata", "on_behalf_of",
    "pending_invoice_item_interval", "proration_behavior", "transfer_data", "trial_end", "trial_period_days",
    "trial_settings",
}  # fmt: skip
PAYMENT_INTENT_DATA = {
    "application_fee_amount", "capture_method", "description", "metadata", "on_behalf_of", "receipt_email",
    "setup_future_usage", "shipping", "statement_descriptor", "statement_descriptor_suffix", "transfer_data",
    "transfer_group",
}  # fmt: skip


def _line_items(ctx: Ctx, mode: str) -> list[dict[str, Any]]:
    raw = get_list(ctx.params, "line_items")
    if raw is None:
        raise missing_param("line_items")
    lines: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        name = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise invalid("Invalid object", name)
        check_known(item, LINE_ITEM, prefix=name)
        price_id = get_str(item, "price", prefix=name)
        data = get_dict(item, "price_data", prefix=name)
        if (price_id is None) == (data is None):
            raise invalid(
                "You must specify either `price` or `price_data` on each line item.", f"{name}[price]"
            )
        quantity = get_int(item, "quantity", required=True, prefix=name, minimum=0, maximum=999_999)
        assert quantity is not None
        if price_id is not None:
            price = ctx.world.find(price_id, "price")
            if price is None:
                raise bad_reference("price", price_id, f"{name}[price]")
            if not price["active"]:
                raise invalid(
                    "The price specified is inactive. This field only accepts active prices.",
                    f"{name}[price]",
                )
        else:
            assert data is not None
            prefix = f"{name}[price_data]"
            check_known(
                data,
                {"currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount",
                 "unit_amount_decimal"},
                prefix=prefix,
            )  # fmt: skip
            product_id = get_str(data, "product", prefix=prefix)
            product_data = get_dict(data, "product_data", prefix=prefix)
            if (product_id is None) == (product_data is None):
                raise invalid("You must specify either `product` or `product_data`.", f"{prefix}[product]")
            if product_id is not None and ctx.world.find(product_id, "product") is None:
                raise bad_reference("product", product_id, f"{prefix}[product]")
            if product_data is not None:
                product_name = get_str(product_data, "name", required=True, prefix=f"{prefix}[product_data]")
                assert product_name is not None
                product_id = billing.new_product(
                    ctx.world,
                    product_name,
                    announce=False,
                    description=get_str(product_data, "description", prefix=f"{prefix}[product_data]"),
                    metadata=forms.created_metadata(
                        forms.metadata(product_data, prefix=f"{prefix}[product_data]")
                    ),
                )["id"]
            price = _price_from(ctx.world, data, prefix, str(product_id), announce=False, active=False)
            price["_inline"] = True
        lines.append(
            {
                "id": new_id("li_"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": price["unit_amount"] * quantity,
                "amount_tax": 0,
                "amount_total": price["unit_amount"] * quantity,
                "currency": price["currency"],
                "description": billing.product_name(ctx.world, price),
                "metadata": forms.created_metadata(forms.metadata(item, prefix=name)),
                "price": price["id"],
                "quantity": quantity,
            }
        )
    if not lines:
        raise missing_param("line_items")
    prices = [ctx.world.get("price", line["price"]) for line in lines]
    if len({p["currency"] for p in prices}) > 1:
        raise invalid("All line items must have the same currency.", "line_items")
    recurring = [p for p in prices if p["recurring"]]
    if mode == "subscription":
        if not recurring:
            raise invalid(
                "You must provide at least one recurring price in `subscription` mode when using prices.",
                "line_items",
            )
        if len({billing.recurring_key(p) for p in recurring}) > 1:
            raise invalid(
                "Checkout does not support multiple prices with different billing intervals.", "line_items"
            )
    elif recurring:
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode "
            "or use only one-time prices.",
            "line_items",
        )
    return lines


def _only_in(ctx: Ctx, name: str, mode: str, wanted: str) -> dict[str, Any]:
    data = get_dict(ctx.params, name)
    if data is None:
        return {}
    if mode != wanted:
        raise invalid(f"You can not pass `{name}` in `{mode}` mode.", name)
    return data


@route("POST", "/v1/checkout/sessions")
def create_checkout_session(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    world = ctx.world
    check_known(p, CHECKOUT_CREATE)
    mode = get_enum(p, "mode", ("payment", "setup", "subscription"), required=True)
    assert mode is not None
    if mode == "setup":
        raise invalid("The sandbox does not model `setup` mode.", "mode")
    ui_mode = get_enum(
        p, "ui_mode", ("hosted_page", "embedded_page", "elements", "form", "hosted", "embedded", "custom")
    )
    if ui_mode not in (None, "hosted_page", "hosted"):
        raise invalid("The sandbox serves hosted Checkout pages only (ui_mode hosted_page).", "ui_mode")
    success_url = _url(p, "success_url")
    cancel_url = _url(p, "cancel_url")
    customer_id = get_str(p, "customer")
    customer_email = _email(p, "customer_email")
    if customer_id is not None and customer_email is not None:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.", "customer_email"
        )
    if customer_id is not None and world.find(customer_id, "customer") is None:
        raise bad_reference("customer", customer_id, "customer")
    client_reference_id = get_str(p, "client_reference_id", max_length=200)
    creation = get_enum(p, "customer_creation", ("always", "if_required"))
    if creation is not None and mode != "payment":
        raise invalid("`customer_creation` can only be used in `payment` mode.", "customer_creation")
    if creation is not None and customer_id is not None:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_creation.", "customer_creation"
        )
    lines = _line_items(ctx, mode)
    sub_data = _only_in(ctx, "subscription_data", mode, "subscription")
    check_known(sub_data, SUBSCRIPTION_DATA, prefix="subscription_data")
    intent_data = _only_in(ctx, "payment_intent_data", mode, "payment")
    check_known(intent_data, PAYMENT_INTENT_DATA, prefix="payment_intent_data")
    now = world.now()
    expires_at = get_int(p, "expires_at")
    if expires_at is not None and not now + 1800 <= expires_at <= now + 86400:
        raise invalid(
            "The `expires_at` timestamp must be at least 30 minutes and at most 24 hours from Checkout Session "
            "creation.",
            "expires_at",
        )
    currency = world.get("price", lines[0]["price"])["currency"]
    total = sum(int(line["amount_total"]) for line in lines)
    session_id = new_id("cs_test_")
    session: dict[str, Any] = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allowed_payment_method_types": None,
        "allow_promotion_codes": get_bool(p, "allow_promotion_codes"),
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": get_str(p, "billing_address_collection"),
        "branding_settings": None,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer_id,
        "customer_account": None,
        "customer_creation": (
            None if customer_id else (creation or "if_required") if mode == "payment" else "always"
        ),
        "customer_details": None,
        "customer_email": customer_email,
        "discounts": [],
        "excluded_payment_method_types": None,
        "expires_at": expires_at or now + world.settings.checkout_session_ttl_s,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": (
            {
                "enabled": False,
                "invoice_data": {
                    "account_tax_ids": None,
                    "custom_fields": None,
                    "description": None,
                    "footer": None,
                    "issuer": None,
                    "metadata": {},
                    "rendering_options": None,
                },
            }
            if mode == "payment"
            else None
        ),
        "livemode": False,
        "locale": get_str(p, "locale"),
        "managed_payments": None,
        "metadata": forms.created_metadata(forms.metadata(p)),
        "mode": mode,
        "name_collection": None,
        "optional_items": None,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always" if mode == "subscription" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "presentment_details": None,
        "recovered_from": None,
        "redirect_on_completion": None,
        "return_url": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": get_str(p, "submit_type"),
        "subscription": None,
        "success_url": success_url,
        "tax_id_collection": {"enabled": False, "required": "never"},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page" if ui_mode in (None, "hosted_page") else ui_mode,
        "url": f"{ctx.public_url}/c/pay/{session_id}",
        "wallet_options": None,
        "_line_items": lines,
        "_subscription_data": {
            "metadata": forms.created_metadata(forms.metadata(sub_data, prefix="subscription_data")),
            "description": get_str(sub_data, "description", prefix="subscription_data"),
            "trial_period_days": get_int(
                sub_data, "trial_period_days", prefix="subscription_data", minimum=1, maximum=730
            ),
        },
        "_payment_intent_data": {
            "metadata": forms.created_metadata(forms.metadata(intent_data, prefix="payment_intent_data")),
            "description": get_str(intent_data, "description", prefix="payment_intent_data"),
        },
    }
    world.put(session)
    return render(world, session)


@route("GET", "/v1/checkout/sessions/{id}")
def get_checkout_session(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("checkout.session", id))


@route("GET", "/v1/checkout/sessions")
def list_checkout_sessions(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(
        p,
        LIST_PARAMS
        | {"customer", "customer_details", "payment_intent", "payment_link", "status", "subscription"},
    )
    items = ctx.world.all("checkout.session")
    for field in ("customer", "payment_intent", "subscription"):
        value = get_str(p, field)
        if value is not None:
            items = [o for o in items if o[field] == value]
    status = get_enum(p, "status", ("complete", "expired", "open"))
    if status is not None:
        items = [o for o in items if o["status"] == status]
    return paginate(ctx, items, "/v1/checkout/sessions")


@route("POST", "/v1/checkout/sessions/{id}/expire")
def expire_checkout_session(ctx: Ctx, id: str) -> dict[str, Any]:
    check_known(ctx.params, set())
    session = ctx.world.get("checkout.session", id)
    return render(ctx.world, billing.expire_checkout(ctx.world, session))


@route("GET", "/v1/checkout/sessions/{id}/line_items")
def checkout_line_items(ctx: Ctx, id: str) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS)
    session = ctx.world.get("checkout.session", id)
    page = paginate(ctx, list(session["_line_items"]), f"/v1/checkout/sessions/{id}/line_items")
    for item in page["data"]:
        item["price"] = render(ctx.world, ctx.world.get("price", item["price"]))
    return page


# --- the billing portal --------------------------------------------------------------------------------
FLOW_TYPES = (
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
    "subscription_update_confirm",
)


def _flow(ctx: Ctx, customer: str) -> dict[str, Any] | None:
    data = get_dict(ctx.params, "flow_data")
    if data is None:
        return None
    check_known(
        data,
        {
            "after_completion",
            "subscription_cancel",
            "subscription_update",
            "subscription_update_confirm",
            "type",
        },
        prefix="flow_data",
    )
    kind = get_enum(data, "type", FLOW_TYPES, required=True, prefix="flow_data")
    assert kind is not None
    after = get_dict(data, "after_completion", prefix="flow_data") or {}
    after_type = (
        get_enum(
            after,
            "type",
            ("hosted_confirmation", "portal_homepage", "redirect"),
            prefix="flow_data[after_completion]",
        )
        or "portal_homepage"
    )
    redirect = get_dict(after, "redirect", prefix="flow_data[after_completion]") or {}
    return_url = _url(redirect, "return_url", prefix="flow_data[after_completion][redirect]")
    if after_type == "redirect" and return_url is None:
        raise missing_param("flow_data[after_completion][redirect][return_url]")
    confirmation = get_dict(after, "hosted_confirmation", prefix="flow_data[after_completion]") or {}
    flow: dict[str, Any] = {
        "after_completion": {
            "hosted_confirmation": (
                {"custom_message": confirmation.get("custom_message")}
                if after_type == "hosted_confirmation"
                else None
            ),
            "redirect": {"return_url": return_url} if after_type == "redirect" else None,
            "type": after_type,
        },
        "subscription_cancel": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": kind,
    }
    if kind != "payment_method_update":
        name = f"flow_data[{kind}]"
        section = get_dict(data, kind, prefix="flow_data", required=True) or {}
        sub_id = get_str(section, "subscription", required=True, prefix=name)
        assert sub_id is not None
        sub = ctx.world.find(sub_id, "subscription")
        if sub is None or sub["customer"] != customer:
            raise bad_reference("subscription", sub_id, f"{name}[subscription]")
        if sub["status"] == "canceled":
            raise invalid("This subscription has been canceled.", f"{name}[subscription]")
        if kind == "subscription_cancel":
            flow[kind] = {"retention": None, "subscription": sub_id}
        elif kind == "subscription_update":
            flow[kind] = {"subscription": sub_id}
        else:
            items = get_list(section, "items", prefix=name, required=True) or []
            shown = []
            for index, item in enumerate(items):
                item_name = f"{name}[items][{index}]"
                if not isinstance(item, dict):
                    raise invalid("Invalid object", item_name)
                price_id = get_str(item, "price", prefix=item_name)
                if price_id is not None and ctx.world.find(price_id, "price") is None:
                    raise bad_reference("price", price_id, f"{item_name}[price]")
                shown.append(
                    {
                        "id": get_str(item, "id", prefix=item_name, required=True),
                        "price": price_id,
                        "quantity": get_int(item, "quantity", prefix=item_name, minimum=1),
                    }
                )
            flow[kind] = {"discounts": None, "items": shown, "subscription": sub_id}
    return flow


@route("POST", "/v1/billing_portal/sessions")
def create_portal_session(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(
        p, {"after_expiration", "configuration", "customer", "customer_account", "flow_data", "locale",
            "on_behalf_of", "return_url"}
    )  # fmt: skip
    customer = get_str(p, "customer", required=True)
    assert customer is not None
    if ctx.world.find(customer, "customer") is None:
        raise bad_reference("customer", customer, "customer")
    configuration = get_str(p, "configuration")
    if configuration is not None and configuration != ctx.world.portal_configuration:
        raise bad_reference("billing_portal.configuration", configuration, "configuration")
    token = "test_" + secrets.token_urlsafe(24)
    session = {
        "id": new_id("bps_"),
        "object": "billing_portal.session",
        "after_expiration": None,
        "configuration": ctx.world.portal_configuration,
        "created": ctx.world.now(),
        "customer": customer,
        "customer_account": None,
        "flow": _flow(ctx, customer),
        "livemode": False,
        "locale": get_str(p, "locale"),
        "on_behalf_of": None,
        "return_url": _url(p, "return_url"),
        "url": f"{ctx.public_url}/p/session/{token}",
    }
    ctx.world.put(session)
    ctx.world.portal_tokens[token] = str(session["id"])
    emit(ctx.world, "billing_portal.session.created", session)
    return render(ctx.world, session)


# --- subscriptions -------------------------------------------------------------------------------------
SUBSCRIPTION_UPDATE = {
    "add_invoice_items", "application_fee_percent", "automatic_tax", "billing_cycle_anchor", "billing_schedules",
    "billing_thresholds", "cancel_at", "cancel_at_period_end", "cancellation_details", "collection_method",
    "days_until_due", "default_payment_method", "default_source", "default_tax_rates", "description",
    "discounts", "invoice_settings", "items", "metadata", "off_session", "on_behalf_of", "pause_collection",
    "payment_behavior", "payment_settings", "pending_invoice_item_interval", "proration_behavior",
    "proration_date", "transfer_data", "trial_end", "trial_from_plan", "trial_settings",
}  # fmt: skip
# Accepted, but with no effect here (README: what is not covered).
SUBSCRIPTION_IGNORED = {
    "off_session",
    "payment_behavior",
    "proration_date",
    "payment_settings",
    "automatic_tax",
}
SUBSCRIPTION_SUPPORTED = {
    "items", "proration_behavior", "cancel_at_period_end", "cancellation_details", "metadata", "description",
    "default_payment_method",
} | SUBSCRIPTION_IGNORED  # fmt: skip


@route("GET", "/v1/subscriptions/{id}")
def get_subscription(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("subscription", id))


@route("GET", "/v1/subscriptions")
def list_subscriptions(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(
        p, LIST_PARAMS | {"automatic_tax", "collection_method", "current_period_end", "current_period_start",
                          "customer", "customer_account", "plan", "price", "status", "test_clock"}
    )  # fmt: skip
    items = ctx.world.all("subscription")
    customer = get_str(p, "customer")
    if customer is not None:
        items = [o for o in items if o["customer"] == customer]
    price = get_str(p, "price") or get_str(p, "plan")
    if price is not None:
        items = [o for o in items if any(i["price"] == price for i in o["items"]["data"])]
    status = get_enum(
        p, "status",
        ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused",
         "trialing", "unpaid"),
    ) or "default"  # fmt: skip
    if status == "default":
        items = [o for o in items if o["status"] not in ("canceled", "incomplete_expired")]
    elif status == "ended":
        items = [o for o in items if o["status"] in ("canceled", "incomplete_expired")]
    elif status != "all":
        items = [o for o in items if o["status"] == status]
    return paginate(ctx, items, "/v1/subscriptions")


@route("POST", "/v1/subscriptions")
def create_subscription(ctx: Ctx) -> dict[str, Any]:
    raise invalid(
        "The sandbox creates subscriptions through Checkout only (POST /v1/checkout/sessions, mode=subscription)."
    )


@route("POST", "/v1/subscriptions/{id}")
def update_subscription(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, SUBSCRIPTION_UPDATE)
    for name in p:
        if name not in SUBSCRIPTION_SUPPORTED and name != "expand":
            raise invalid(f"The sandbox does not model the subscription parameter `{name}`.", name)
    world = ctx.world
    sub = world.get("subscription", id)
    behavior = (
        get_enum(p, "proration_behavior", ("always_invoice", "create_prorations", "none"))
        or "create_prorations"
    )
    changes: list[dict[str, Any]] = []
    for index, item in enumerate(get_list(p, "items") or []):
        name = f"items[{index}]"
        if not isinstance(item, dict):
            raise invalid("Invalid object", name)
        check_known(
            item,
            {"billing_thresholds", "clear_usage", "current_trial", "deleted", "discounts", "id", "metadata", "plan",
             "price", "price_data", "quantity", "tax_rates"},
            prefix=name,
        )  # fmt: skip
        price_id = get_str(item, "price", prefix=name) or get_str(item, "plan", prefix=name)
        price = None
        if price_id is not None:
            price = world.find(price_id, "price")
            if price is None:
                raise bad_reference("price", price_id, f"{name}[price]")
            if not price["active"]:
                raise invalid(
                    "The price specified is inactive. This field only accepts active prices.",
                    f"{name}[price]",
                )
            if not price["recurring"]:
                raise invalid(
                    "The price specified is set to `type=one_time` but this field only accepts prices with "
                    "`type=recurring`.",
                    f"{name}[price]",
                )
        changes.append(
            {
                "id": get_str(item, "id", prefix=name),
                "price_obj": price,
                "quantity": get_int(item, "quantity", prefix=name, minimum=0),
                "deleted": bool(get_bool(item, "deleted", prefix=name)),
                "metadata": forms.created_metadata(forms.metadata(item, prefix=name))
                if "metadata" in item
                else None,
            }
        )
    details = get_dict(p, "cancellation_details") or {}
    check_known(details, {"comment", "feedback"}, prefix="cancellation_details")
    feedback = get_enum(
        details, "feedback",
        ("customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex",
         "too_expensive", "unused"),
        prefix="cancellation_details",
    )  # fmt: skip
    pm = get_str(p, "default_payment_method")
    if pm is not None:
        customer = world.get("customer", sub["customer"])
        pm = _card_for(world, customer, pm, "default_payment_method")["id"]
    metadata = None
    if "metadata" in p:
        metadata = forms.merge_metadata(sub["metadata"], forms.metadata(p), raw=p.get("metadata"))
    if sub["status"] == "canceled" and (changes or "cancel_at_period_end" in p or pm or "description" in p):
        raise invalid("A canceled subscription can only update its cancellation_details and metadata.")
    billing.update_subscription(
        world,
        sub,
        changes=changes,
        proration_behavior=behavior,
        cancel_at_period_end=get_bool(p, "cancel_at_period_end"),
        metadata=metadata,
        description=get_str(p, "description", empty_ok=True),
        default_payment_method=pm,
        comment=get_str(details, "comment", prefix="cancellation_details", empty_ok=True),
        feedback=feedback,
    )
    return render(world, sub)


@route("DELETE", "/v1/subscriptions/{id}")
def cancel_subscription(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, {"cancellation_details", "invoice_now", "prorate"})
    sub = ctx.world.get("subscription", id)
    details = get_dict(p, "cancellation_details") or {}
    check_known(details, {"comment", "feedback"}, prefix="cancellation_details")
    billing.cancel_now(
        ctx.world,
        sub,
        comment=get_str(details, "comment", prefix="cancellation_details"),
        feedback=get_str(details, "feedback", prefix="cancellation_details"),
    )
    return render(ctx.world, sub)


@route("GET", "/v1/subscription_items")
def list_subscription_items(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"subscription"})
    sub_id = get_str(ctx.params, "subscription", required=True)
    assert sub_id is not None
    sub = ctx.world.get("subscription", sub_id, param="subscription")
    rendered = render(ctx.world, sub)["items"]["data"]
    limit = get_int(ctx.params, "limit", minimum=1, maximum=100) or 10
    return list_object(
        f"/v1/subscription_items?subscription={sub_id}", rendered[:limit], len(rendered) > limit
    )


@route("GET", "/v1/subscription_items/{id}")
def get_subscription_item(ctx: Ctx, id: str) -> dict[str, Any]:
    for sub in ctx.world.all("subscription"):
        for item in render(ctx.world, sub)["items"]["data"]:
            if item["id"] == id:
                return dict(item)
    raise no_such("subscription item", id)


# --- invoices and payments -----------------------------------------------------------------------------
@route("GET", "/v1/invoices/{id}")
def get_invoice(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("invoice", id))


@route("GET", "/v1/invoices")
def list_invoices(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(
        p,
        LIST_PARAMS
        | {"collection_method", "customer", "customer_account", "due_date", "status", "subscription"},
    )
    items = ctx.world.all("invoice")
    customer = get_str(p, "customer")
    if customer is not None:
        items = [o for o in items if o["customer"] == customer]
    sub = get_str(p, "subscription")
    if sub is not None:
        items = [o for o in items if o["parent"]["subscription_details"]["subscription"] == sub]
    status = get_enum(p, "status", ("draft", "open", "paid", "uncollectible", "void"))
    if status is not None:
        items = [o for o in items if o["status"] == status]
    return paginate(ctx, items, "/v1/invoices")


@route("GET", "/v1/invoices/{id}/lines")
def invoice_lines(ctx: Ctx, id: str) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS)
    invoice = ctx.world.get("invoice", id)
    lines = [render(ctx.world, line) for line in invoice["lines"]["data"]]
    limit = get_int(ctx.params, "limit", minimum=1, maximum=100) or 10
    return list_object(f"/v1/invoices/{id}/lines", lines[:limit], len(lines) > limit)


@route("POST", "/v1/invoices/{id}/pay")
def pay_invoice(ctx: Ctx, id: str) -> dict[str, Any]:
    check_known(
        ctx.params, {"forgive", "mandate", "off_session", "paid_out_of_band", "payment_method", "source"}
    )
    invoice = ctx.world.get("invoice", id)
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid")
    if invoice["status"] != "open":
        raise invalid(f"You can only pay an open invoice (this one is {invoice['status']}).")
    pm = get_str(ctx.params, "payment_method")
    if pm is not None:
        customer = ctx.world.get("customer", invoice["customer"])
        sub_id = invoice["parent"]["subscription_details"]["subscription"]
        card = _card_for(ctx.world, customer, pm, "payment_method")
        sub = ctx.world.find(sub_id, "subscription")
        if sub is not None:
            sub["default_payment_method"] = card["id"]
    if not billing.retry_invoice(ctx.world, invoice):
        raise StripeError(
            402,
            "Your card was declined.",
            type="card_error",
            code="card_declined",
            extra={"decline_code": "generic_decline"},
        )
    return render(ctx.world, invoice)


@route("GET", "/v1/invoice_payments")
def list_invoice_payments(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"invoice", "payment", "status"})
    items = ctx.world.all("invoice_payment")
    invoice = get_str(ctx.params, "invoice")
    if invoice is not None:
        items = [o for o in items if o["invoice"] == invoice]
    return paginate(ctx, items, "/v1/invoice_payments")


@route("GET", "/v1/invoice_payments/{id}")
def get_invoice_payment(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("invoice_payment", id))


@route("GET", "/v1/payment_intents/{id}")
def get_payment_intent(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("payment_intent", id))


@route("GET", "/v1/payment_intents")
def list_payment_intents(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS | {"customer", "customer_account"})
    items = ctx.world.all("payment_intent")
    customer = get_str(ctx.params, "customer")
    if customer is not None:
        items = [o for o in items if o["customer"] == customer]
    return paginate(ctx, items, "/v1/payment_intents")


@route("GET", "/v1/charges/{id}")
def get_charge(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("charge", id))


# --- events --------------------------------------------------------------------------------------------
@route("GET", "/v1/events/{id}")
def get_event(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("event", id))


def _type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


@route("GET", "/v1/events")
def list_events(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, LIST_PARAMS | {"delivery_success", "type", "types"})
    items = ctx.world.all("event")
    kind = get_str(p, "type")
    kinds = forms.get_str_list(p, "types")
    if kind is not None and kinds is not None:
        raise invalid("You may only specify one of these parameters: type, types.", "types")
    if kind is not None:
        items = [o for o in items if _type_matches(kind, o["type"])]
    if kinds is not None:
        items = [o for o in items if o["type"] in kinds]
    success = get_bool(p, "delivery_success")
    if success is not None:
        items = [o for o in items if (o["pending_webhooks"] == 0) == success]
    return paginate(ctx, items, "/v1/events")


# --- webhook endpoints ---------------------------------------------------------------------------------
def _enabled_events(params: dict[str, Any], required: bool) -> list[str] | None:
    events = forms.get_str_list(params, "enabled_events")
    if events is None:
        if required:
            raise missing_param("enabled_events")
        return None
    for index, name in enumerate(events):
        if name != "*" and not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", name):
            raise invalid(f"Invalid enabled_events[{index}]: {name}", f"enabled_events[{index}]")
    return events


@route("POST", "/v1/webhook_endpoints")
def create_webhook_endpoint(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    check_known(p, {"api_version", "connect", "description", "enabled_events", "metadata", "url"})
    url = _url(p, "url", required=True)
    events = _enabled_events(p, required=True)
    secret = "whsec_" + secrets.token_urlsafe(24)
    endpoint = {
        "id": new_id("we_"),
        "object": "webhook_endpoint",
        "api_version": get_str(p, "api_version"),
        "application": None,
        "created": ctx.world.now(),
        "description": get_str(p, "description"),
        "enabled_events": events,
        "livemode": False,
        "metadata": forms.created_metadata(forms.metadata(p)),
        "status": "enabled",
        "url": url,
    }
    ctx.world.endpoints[str(endpoint["id"])] = Endpoint(endpoint, secret)
    ctx.world.put(endpoint)
    return {**render(ctx.world, endpoint), "secret": secret}


@route("GET", "/v1/webhook_endpoints/{id}")
def get_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    return render(ctx.world, ctx.world.get("webhook_endpoint", id))


@route("POST", "/v1/webhook_endpoints/{id}")
def update_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    p = ctx.params
    check_known(p, {"description", "disabled", "enabled_events", "metadata", "url"})
    endpoint = ctx.world.get("webhook_endpoint", id)
    url = _url(p, "url")
    if url is not None:
        endpoint["url"] = url
    events = _enabled_events(p, required=False)
    if events is not None:
        endpoint["enabled_events"] = events
    disabled = get_bool(p, "disabled")
    if disabled is not None:
        endpoint["status"] = "disabled" if disabled else "enabled"
    if "description" in p:
        endpoint["description"] = get_str(p, "description")
    endpoint["metadata"] = forms.merge_metadata(
        endpoint["metadata"], forms.metadata(p), raw=p.get("metadata")
    )
    return render(ctx.world, endpoint)


@route("DELETE", "/v1/webhook_endpoints/{id}")
def delete_webhook_endpoint(ctx: Ctx, id: str) -> dict[str, Any]:
    endpoint = ctx.world.get("webhook_endpoint", id)
    endpoint["deleted"] = True
    ctx.world.endpoints.pop(id, None)
    return _deleted(endpoint)


@route("GET", "/v1/webhook_endpoints")
def list_webhook_endpoints(ctx: Ctx) -> dict[str, Any]:
    check_known(ctx.params, LIST_PARAMS)
    return paginate(ctx, ctx.world.all("webhook_endpoint"), "/v1/webhook_endpoints")
