"""The client of marketplace-ebay's policy check: its answers, and what it makes of a refusal or silence."""

from __future__ import annotations

import uuid

import httpx
import pytest
from catalog_service.errors import EbayPoliciesUnavailable
from catalog_service.publications.ebay_policies import EbayPolicyClient
from pydantic import SecretStr
from vitrine_contracts.catalog import ListingPolicies
from vitrine_contracts.ebay_api import POLICY_CHECK_PATH, PolicyCheckRequest
from vitrine_kit.auth.service_client import ServiceTokenClient

pytestmark = pytest.mark.unit
REQUEST = PolicyCheckRequest(
    tenant_id=uuid.uuid4(), site="EBAY_FR", policies=ListingPolicies(payment_policy_id="P1")
)


def client(answer: httpx.Response | Exception) -> tuple[EbayPolicyClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "svc", "expires_in": 300})
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    tokens = ServiceTokenClient("http://auth/oauth/token", "catalog-service", SecretStr("secret"), http=http)
    return EbayPolicyClient("http://ebay/", tokens, http), seen


class TestEbayPolicyClient:
    async def test_faults_come_back_as_answered(self) -> None:
        fault = {"field": "payment_policy_id", "message": "no payment policy P1 on EBAY_FR"}
        ebay, seen = client(
            httpx.Response(200, json={"site": "EBAY_FR", "account_id": None, "faults": [fault]})
        )
        [got] = await ebay.check(REQUEST)
        assert (got.field, got.message) == (fault["field"], fault["message"])
        assert seen[0].url.path == POLICY_CHECK_PATH
        assert seen[0].headers["authorization"] == "Bearer svc"

    async def test_an_account_to_reconnect_is_a_fault_on_the_account(self) -> None:
        ebay, _ = client(httpx.Response(409, json={"detail": "eBay no longer accepts this account"}))
        [got] = await ebay.check(REQUEST)
        assert got.field == "account"
        assert "reconnect eBay EBAY_FR" in got.message

    @pytest.mark.parametrize(
        "answer",
        [
            httpx.Response(503, json={"detail": "eBay is down"}),
            httpx.Response(200, text="not json"),
            httpx.ConnectError("refused"),
        ],
    )
    async def test_silence_or_nonsense_is_unavailable(self, answer) -> None:
        ebay, _ = client(answer)
        with pytest.raises(EbayPoliciesUnavailable):
            await ebay.check(REQUEST)
