"""``/internal/listing-policies/check``: catalog checks the business policies a publish chose for a site
(service tokens with ``ebay:policies`` only; the gateway never forwards ``/internal``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from vitrine_contracts.ebay_api import (
    POLICIES_SCOPE,
    POLICY_CHECK_PATH,
    PolicyCheckRequest,
    PolicyCheckResult,
)
from vitrine_kit.auth.deps import require_service_scope
from vitrine_kit.auth.principal import Principal
from vitrine_kit.db.deps import runtime_of
from vitrine_kit.db.tenancy import provisioning_refused

from marketplace_ebay.accounts.policies import policy_service
from marketplace_ebay.deps import Ebay

router = APIRouter(tags=["internal"])
PolicyChecker = Annotated[Principal, Depends(require_service_scope(POLICIES_SCOPE))]


@router.post(POLICY_CHECK_PATH)
async def check_listing_policies(
    body: PolicyCheckRequest, request: Request, ebay: Ebay, _: PolicyChecker
) -> PolicyCheckResult:
    """Each chosen policy read on eBay through the tenant's account on the site: the faults name those that
    are not the seller's there (unknown, or another site's); 404 for a tenant this adapter never saw."""
    runtime = runtime_of(request)
    assert runtime.tenants is not None
    with provisioning_refused():
        await runtime.tenants.ensure(body.tenant_id)
    async with runtime.db.tenant_session(body.tenant_id) as session:
        result = await policy_service.check_listing(session, ebay, body)
        await session.commit()  # commit: a token refreshed on the way is kept
    return result
