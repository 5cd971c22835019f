"""A publish's chosen eBay policies, checked at marketplace-ebay before the publish's transaction: the sites
and accounts are read, that read ends (its connection back in the pool), marketplace-ebay is asked, and the
transaction then finds the same sites and accounts (else 409 ``ebay-accounts-changed``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vitrine_contracts.catalog import ListingPolicies
from vitrine_contracts.common import Marketplace

from catalog_service.errors import EbayAccountsChanged, ProductDeleted, ProductNotFound
from catalog_service.models import Product
from catalog_service.publications.ebay_policies import policy_problems
from catalog_service.publications.sites import site_service
from catalog_service.scope import Scope


def _against(
    wanted: Sequence[tuple[Marketplace, str]],
    chosen: Mapping[str, ListingPolicies],
    accounts: Mapping[str, uuid.UUID],
) -> tuple[object, ...]:
    """What a policy check depends on: the eBay sites published to, and the account of each chosen site."""
    sites = tuple(site for m, site in wanted if m == Marketplace.EBAY)
    return sites, tuple((site, accounts.get(site)) for site in sorted(chosen))


@dataclass(frozen=True)
class PolicyCheck:
    """The problems of the chosen policies, and the sites and accounts they were checked against."""

    problems: list[dict[str, str]]
    against: tuple[object, ...]

    def problems_if_unchanged(
        self,
        wanted: Sequence[tuple[Marketplace, str]],
        chosen: Mapping[str, ListingPolicies],
        accounts: Mapping[str, uuid.UUID],
    ) -> list[dict[str, str]]:
        """The problems found, if the publish's transaction sees the same sites and accounts; else 409."""
        if _against(wanted, chosen, accounts) != self.against:
            raise EbayAccountsChanged(
                "The eBay sites or accounts changed while the policies were checked; publish again."
            )
        return self.problems


async def check_first(
    scope: Scope,
    product_id: uuid.UUID,
    marketplaces: list[Marketplace],
    ebay_sites: Sequence[str] | None,
    chosen: Mapping[str, ListingPolicies],
) -> PolicyCheck | None:
    """The chosen policies checked before the publish's transaction (None: nothing chosen, no call).

    marketplace-ebay reads them on eBay (a second or more): the sites and accounts are read, that read-only
    transaction ended (its connection back in the pool), then marketplace-ebay is asked. A missing or deleted
    product is answered first, as before, without asking eBay.
    """
    if not chosen:
        return None
    if scope.session.in_nested_transaction():  # a bulk step's savepoint: never with policies
        raise RuntimeError("eBay policies are checked before the publish's transaction, not inside one")
    product = await scope.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound()
    if product.deleted_at is not None:
        raise ProductDeleted()
    wanted, _ = await site_service.targets(scope, marketplaces, ebay_sites)
    accounts = await site_service.ebay_accounts(scope)
    await scope.session.rollback()  # only reads so far: nothing is lost, the connection is returned
    sites = [site for m, site in wanted if m == Marketplace.EBAY]
    problems = await policy_problems(scope, sites, chosen, accounts)
    return PolicyCheck(problems, _against(wanted, chosen, accounts))
