"""Account API business-policy validation, as eBay documents it for the sites the sandbox speaks.

Only the fields present are checked (a policy made with a name and a site alone is still accepted, as the
sandbox always did): return periods of 14, 30 or 60 days (eBay's values for these sites), who pays the
return shipping, the refund method, the handling time, each shipping service known on the site and priced in
the site's currency. Every fault is one error item naming the field (``inputRefIds``), all in one answer.
"""

from __future__ import annotations

from typing import Any

from sandbox_ebay.errors import error_item

CURRENCIES = {
    "EBAY_FR": "EUR", "EBAY_DE": "EUR", "EBAY_ES": "EUR", "EBAY_IT": "EUR", "EBAY_NL": "EUR", "EBAY_BE": "EUR",
    "EBAY_AT": "EUR", "EBAY_GB": "GBP", "EBAY_PL": "PLN", "EBAY_US": "USD",
}  # fmt: skip
RETURN_DAYS = {14, 30, 60}
HANDLING_DAYS = {0, 1, 2, 3, 4, 5, 6, 7, 10, 15, 20, 30}
COST_PAYERS = {"BUYER", "SELLER"}
REFUND_METHODS = {"MONEY_BACK", "MERCHANDISE_CREDIT"}
NAME_MAX = 64
_COMMON_SERVICES = {"Other", "EconomyShippingFromOutsideUS"}
SHIPPING_SERVICES: dict[str, set[str]] = {
    "EBAY_FR": {"FR_ColiposteColissimo", "FR_Chronopost", "FR_LaPosteLetter", "FR_MondialRelay", "FR_Other"},
    "EBAY_BE": {"BefrBpost", "BefrDHL", "BefrPostNL", "BefrOther"},
    "EBAY_GB": {
        "UK_RoyalMailFirstClassStandard", "UK_RoyalMailSecondClassStandard", "UK_RoyalMailTracked48",
        "UK_EvriStandard", "UK_OtherCourier",
    },
    "EBAY_DE": {"DE_DHLPaket", "DE_DeutschePostBrief", "DE_HermesPaket", "DE_SonstigeDomestic"},
    "EBAY_ES": {"ES_CorreosCartaCertificada", "ES_PaqueteAzul", "ES_SEUR", "ES_Otros"},
    "EBAY_IT": {"IT_Posta1", "IT_PaccoCelere1", "IT_BRT", "IT_Altro"},
    "EBAY_NL": {"NL_PostNLPakket", "NL_DHL", "NL_Other"},
    "EBAY_PL": {"PL_InPost", "PL_PocztaPolska", "PL_DPD", "PL_Other"},
    "EBAY_AT": {"AT_OesterreichischePost", "AT_Other"},
    "EBAY_US": {"USPSPriority", "USPSGround", "UPSGround"},
}  # fmt: skip


def _invalid(field: str, ref: str, detail: str) -> dict[str, Any]:
    return error_item(20403, f"Invalid {field}. {detail}", domain="API_ACCOUNT", input_refs=[ref])


def validate(kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every fault of a ``kind`` policy body, as eBay's error items (empty: valid)."""
    errors: list[dict[str, Any]] = []
    site = str(body.get("marketplaceId") or "")
    if site and site not in CURRENCIES:
        errors.append(
            _invalid("marketplaceId", "$.marketplaceId", f"{site} is not a marketplace eBay supports.")
        )
    if len(str(body.get("name") or "")) > NAME_MAX:
        errors.append(_invalid("name", "$.name", f"The policy name is at most {NAME_MAX} characters."))
    if kind == "return":
        errors += _return_faults(body)
    elif kind == "fulfillment":
        errors += _fulfillment_faults(body, site)
    elif kind == "payment" and "immediatePay" in body and not isinstance(body["immediatePay"], bool):
        errors.append(_invalid("immediatePay", "$.immediatePay", "Expected true or false."))
    return errors


def _return_faults(body: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if body.get("returnsAccepted") is False:
        return errors  # no period, payer or method to check when returns are not accepted
    period = body.get("returnPeriod")
    if period is not None:
        value = period.get("value") if isinstance(period, dict) else None
        unit = period.get("unit") if isinstance(period, dict) else None
        if unit not in (None, "DAY") or not isinstance(value, int) or value not in RETURN_DAYS:
            allowed = ", ".join(str(d) for d in sorted(RETURN_DAYS))
            errors.append(
                _invalid("returnPeriod", "$.returnPeriod.value", f"Valid return periods are {allowed} DAY.")
            )
    elif body.get("returnsAccepted") is True:
        errors.append(
            error_item(
                20401,
                "Missing field returnPeriod. A return period is required when returns are accepted.",
                domain="API_ACCOUNT",
                input_refs=["$.returnPeriod"],
            )
        )
    payer = body.get("returnShippingCostPayer")
    if payer is not None and payer not in COST_PAYERS:
        errors.append(
            _invalid("returnShippingCostPayer", "$.returnShippingCostPayer", "Use BUYER or SELLER.")
        )
    method = body.get("refundMethod")
    if method is not None and method not in REFUND_METHODS:
        errors.append(_invalid("refundMethod", "$.refundMethod", "Use MONEY_BACK or MERCHANDISE_CREDIT."))
    return errors


def _fulfillment_faults(body: dict[str, Any], site: str) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    handling = body.get("handlingTime")
    if handling is not None:
        value = handling.get("value") if isinstance(handling, dict) else None
        if not isinstance(value, int) or value not in HANDLING_DAYS:
            allowed = ", ".join(str(d) for d in sorted(HANDLING_DAYS))
            errors.append(
                _invalid("handlingTime", "$.handlingTime.value", f"Valid handling times are {allowed} DAY.")
            )
    known = SHIPPING_SERVICES.get(site, set()) | _COMMON_SERVICES
    currency = CURRENCIES.get(site)
    for i, option in enumerate(body.get("shippingOptions") or []):
        services = option.get("shippingServices") or [] if isinstance(option, dict) else []
        if not services:
            errors.append(
                error_item(
                    20401,
                    "Missing field shippingServices. A shipping option needs at least one service.",
                    domain="API_ACCOUNT",
                    input_refs=[f"$.shippingOptions[{i}].shippingServices"],
                )
            )
        for j, service in enumerate(services):
            ref = f"$.shippingOptions[{i}].shippingServices[{j}]"
            code = service.get("shippingServiceCode")
            if code not in known:
                errors.append(
                    _invalid(
                        "shippingServiceCode",
                        f"{ref}.shippingServiceCode",
                        f"{code} is not a shipping service of {site or 'this marketplace'}.",
                    )
                )
            for money in ("shippingCost", "additionalShippingCost"):
                amount = service.get(money)
                if amount is None:
                    continue
                if currency and amount.get("currency") != currency:
                    errors.append(
                        _invalid(money, f"{ref}.{money}.currency", f"{site} prices are in {currency}.")
                    )
                try:
                    negative = float(amount.get("value", "0")) < 0
                except (TypeError, ValueError):
                    negative = True
                if negative:
                    errors.append(_invalid(money, f"{ref}.{money}.value", "A cost is a number, 0 or more."))
    return errors
