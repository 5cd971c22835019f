"""The business policies a listing goes out with: those the seller chose for it (catalog checked them on the
site and sends them on every publish and revise), each kind not chosen being the account's default."""

from __future__ import annotations

import dataclasses

from vitrine_contracts.catalog import ListingPolicies

from marketplace_ebay.ebay_api import POLICY_KINDS, EbaySeller
from marketplace_ebay.models import EbayAccount, EbayListing


def with_policies(seller: EbaySeller, chosen: ListingPolicies | None) -> EbaySeller:
    """``seller`` with the listing's chosen policies in place of the account's defaults."""
    return dataclasses.replace(seller, **chosen.chosen()) if chosen is not None else seller


def went_out_with(listing: EbayListing, account: EbayAccount, chosen: ListingPolicies | None) -> None:
    """Keep on the listing the policies it went out with."""
    picked = chosen.chosen() if chosen is not None else {}
    for kind in POLICY_KINDS:
        field = f"{kind}_policy_id"
        setattr(listing, field, picked.get(field) or getattr(account, field))
