"""Business policies a publish chooses per eBay site: checked at marketplace-ebay (which reads them on eBay),
kept on the publication, and sent with every publish and revise of it.

A publish naming a site's policies replaces the publication's choice (``{}``: back to the account's default
set); one naming none keeps what the publication had, so a re-list goes out as the listing did.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx
from pydantic import ValidationError
from vitrine_contracts.catalog import ListingPolicies
from vitrine_contracts.ebay_api import POLICY_CHECK_PATH, PolicyCheckRequest, PolicyCheckResult, PolicyFault
from vitrine_kit.auth.service_client import ServiceTokenClient
from vitrine_kit.db.held import check_outbound

from catalog_service.errors import EbayPoliciesUnavailable
from catalog_service.models import Publication

if TYPE_CHECKING:  # the context holds the client: a run-time import would be circular
    from catalog_service.scope import Scope


class EbayPolicyClient:
    """The one client of marketplace-ebay's policy check (a service token with ``ebay:policies``)."""

    def __init__(self, base_url: str, tokens: ServiceTokenClient, http: httpx.AsyncClient) -> None:
        self.base, self.tokens, self.http = base_url.rstrip("/"), tokens, http

    async def check(self, request: PolicyCheckRequest) -> list[PolicyFault]:
        """The chosen policies that are not the seller's on the site; 503 when eBay cannot tell."""
        check_outbound("marketplace-ebay")  # as every client of another service does: no connection held
        try:
            response = await self.http.post(
                self.base + POLICY_CHECK_PATH,
                content=request.model_dump_json(),
                headers={"content-type": "application/json", **await self.tokens.headers()},
            )
        except httpx.HTTPError as exc:
            raise EbayPoliciesUnavailable(f"marketplace-ebay unreachable: {exc!r}") from exc
        if response.status_code == 409:  # the account must be connected again: the seller can act on it
            return [
                PolicyFault(field="account", message=f"{_detail(response)}: reconnect eBay {request.site}")
            ]
        if response.status_code != 200:
            detail = _detail(response)
            raise EbayPoliciesUnavailable(
                f"The policies chosen for {request.site} could not be checked on eBay ({detail})."
            )
        try:
            return PolicyCheckResult.model_validate_json(response.content).faults
        except ValidationError as exc:
            raise EbayPoliciesUnavailable(f"marketplace-ebay answered an unexpected body: {exc}") from exc


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.status_code)
    except ValueError:
        return str(response.status_code)


async def policy_problems(
    scope: Scope, sites: list[str], chosen: Mapping[str, ListingPolicies], accounts: Mapping[str, uuid.UUID]
) -> list[dict[str, str]]:
    """One problem per chosen policy that is not the seller's on its site (unknown, or another site's), and
    per site chosen for but not published to."""
    problems = [
        {
            "marketplace": "ebay",
            "site": site,
            "field": "policies",
            "code": "site-not-published",
            "message": f"policies are chosen for {site}, which this publish does not go to",
        }
        for site in chosen
        if site not in sites
    ]
    for site in sites:
        policies = chosen.get(site)
        if policies is None or not policies.chosen():
            continue
        if site not in accounts:  # nothing to read them through: never sent unchecked
            problems.append(
                {
                    "marketplace": "ebay",
                    "site": site,
                    "field": "policies",
                    "code": "no-account",
                    "message": f"policies can be chosen for {site} once an eBay account is connected there",
                }
            )
            continue
        request = PolicyCheckRequest(
            tenant_id=scope.tenant_id, site=site, account_id=accounts[site], policies=policies
        )
        problems += [
            {
                "marketplace": "ebay",
                "site": site,
                "field": "account" if fault.field == "account" else f"policies.{fault.field}",
                "code": "account-unusable" if fault.field == "account" else "policy-invalid",
                "message": fault.message,
            }
            for fault in await scope.context.ebay_policies.check(request)
        ]
    return problems


def keep_choice(pub: Publication, chosen: Mapping[str, ListingPolicies]) -> None:
    """The publish's choice for the publication's site replaces the one kept (none named: kept as it is)."""
    if pub.marketplace == "ebay" and pub.site in chosen:
        policies = chosen[pub.site].chosen()
        pub.listing_policies = policies or None


def choice_of(pub: Publication) -> ListingPolicies | None:
    """The policies the publication goes out with (None: the account's default set)."""
    if pub.marketplace != "ebay":
        return None
    return ListingPolicies.model_validate(pub.listing_policies or {})
