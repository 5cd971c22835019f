from __future__ import annotations

from datetime import UTC, datetime

import pytest
from billing_service.subscriptions.stripe_objects import InvoiceView, SubscriptionState

pytestmark = pytest.mark.unit


class TestSubscriptionState:
    def test_the_period_is_read_from_the_item(self) -> None:
        state = SubscriptionState.of(
            {
                "id": "sub_1",
                "customer": "cus_1",
                "status": "active",
                "cancel_at_period_end": False,
                "cancel_at": None,
                "items": {
                    "data": [
                        {"current_period_start": 100, "current_period_end": 200, "price": {"id": "price_1"}}
                    ]
                },
            }
        )
        assert (state.period_start, state.period_end) == (
            datetime.fromtimestamp(100, UTC),
            datetime.fromtimestamp(200, UTC),
        )
        assert state.live
        assert state.cancel_at_period_end is False

    def test_the_period_of_older_api_versions(self) -> None:
        state = SubscriptionState.of(
            {
                "id": "sub_1",
                "status": "past_due",
                "current_period_start": 1,
                "current_period_end": 2,
                "items": {"data": [{}]},
            }
        )
        assert state.period_end == datetime.fromtimestamp(2, UTC)

    def test_cancel_at_within_the_period_means_ending(self) -> None:
        state = SubscriptionState.of(
            {
                "id": "sub_1",
                "status": "active",
                "cancel_at": 200,
                "items": {"data": [{"current_period_start": 100, "current_period_end": 200}]},
            }
        )
        assert state.cancel_at_period_end is True

    def test_unpaid_is_not_live(self) -> None:
        assert not SubscriptionState.of({"id": "sub_1", "status": "unpaid"}).live


class TestInvoiceView:
    def test_lines_of_the_current_api(self) -> None:
        view = InvoiceView.of(
            {
                "id": "in_1",
                "customer": "cus_1",
                "billing_reason": "subscription_update",
                "parent": {"subscription_details": {"subscription": "sub_1", "metadata": {"tenant_id": "t"}}},
                "lines": {
                    "data": [
                        {
                            "amount": 900,
                            "period": {"start": 10, "end": 20},
                            "pricing": {"price_details": {"price": "price_pro"}},
                            "parent": {
                                "type": "invoice_item_details",
                                "invoice_item_details": {"proration": True},
                            },
                        },
                        {
                            "amount": 1999,
                            "period": {"start": 20, "end": 30},
                            "pricing": {"price_details": {"price": "price_pro"}},
                            "parent": {
                                "type": "subscription_item_details",
                                "subscription_item_details": {"proration": False},
                            },
                        },
                    ]
                },
            }
        )
        assert view.subscription == "sub_1"
        assert view.metadata == {"tenant_id": "t"}
        assert [(line.proration, line.period_line) for line in view.lines] == [(True, False), (False, True)]
        assert view.lines[1].price == "price_pro"

    def test_lines_of_older_api_versions(self) -> None:
        view = InvoiceView.of(
            {
                "id": "in_1",
                "subscription": "sub_1",
                "lines": {
                    "data": [
                        {
                            "amount": 999,
                            "type": "subscription",
                            "proration": False,
                            "price": {"id": "price_s"},
                            "period": {"start": 1, "end": 2},
                        }
                    ]
                },
            }
        )
        assert view.subscription == "sub_1"
        assert view.lines[0].period_line
        assert view.lines[0].price == "price_s"
