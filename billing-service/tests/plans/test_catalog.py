from __future__ import annotations

import pytest
from billing_service.models import CreditPack, Plan
from billing_service.plans.catalog import lookup_key_of

pytestmark = pytest.mark.unit


class TestLookupKeys:
    def test_a_new_amount_is_a_new_price(self) -> None:
        plan = Plan(code="pro", price_cents=1999, currency="eur")
        dearer = Plan(code="pro", price_cents=2499, currency="eur")
        assert lookup_key_of(plan) == "vitrine-plan-pro-1999-eur-month"
        assert lookup_key_of(plan) != lookup_key_of(dearer)

    def test_packs_and_plans_never_share_a_key(self) -> None:
        pack = CreditPack(code="pro", price_cents=1999, currency="eur")
        assert lookup_key_of(pack) != lookup_key_of(Plan(code="pro", price_cents=1999, currency="eur"))
