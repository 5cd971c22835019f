"""catalog-service's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, Forbidden, NotFound, ProblemError, Unprocessable


class ProductNotFound(NotFound):
    code, title = "product-not-found", "No such product"


class PublicationNotFound(NotFound):
    code, title = "publication-not-found", "No such publication"


class AlertNotFound(NotFound):
    code, title = "alert-not-found", "No such alert"


class ReferenceTypeNotFound(NotFound):
    code, title = "reference-type-not-found", "No such reference data type"


class SkuTaken(Conflict):
    code, title = "sku-taken", "Another product already has this SKU"


class InvalidTransition(Conflict):
    code, title = "invalid-transition", "This status change is not allowed"


class ProductDeleted(Conflict):
    code, title = "product-deleted", "The product is deleted; restore it first"


class ProductNotDeleted(Conflict):
    code, title = "product-not-deleted", "The product is not deleted"


class EbayAccountsChanged(Conflict):
    code, title = "ebay-accounts-changed", "The eBay sites or accounts changed during the publish"


class PublicationBusy(Conflict):
    code, title = "publication-busy", "The publication cannot be changed in its current state"


class VersionMismatch(ProblemError):
    status, code, title = 412, "version-mismatch", "The product changed since you read it"


class InvalidProduct(Unprocessable):
    code, title = "invalid-product", "Some fields of the product are not valid"


class InvalidCsv(Unprocessable):
    code, title = "invalid-csv", "The file is not a CSV file Vitrine can read"


class ProductIncomplete(Unprocessable):
    code, title = "product-incomplete", "The product lacks what this status needs"


class PublishBlocked(Unprocessable):
    code, title = (
        "publish-requirements-missing",
        "The marketplaces need more before this product can be listed",
    )


class QuotaExceeded(Forbidden):
    code, title = "product-quota-exceeded", "Your plan's product limit is reached"


class UnknownPhotos(Unprocessable):
    code, title = "unknown-photos", "Some photos are not in your account"


class PhotosUnavailable(ProblemError):
    status, code, title = 503, "photos-unavailable", "The photos cannot be checked right now"


class EbayPoliciesUnavailable(ProblemError):
    status, code, title = 503, "ebay-policies-unavailable", "The eBay policies cannot be checked right now"


class ImportNotFound(NotFound):
    code, title = "import-not-found", "No such import"


class UnknownSuggestionField(Unprocessable):
    code, title = "unknown-suggestion-field", "No such field can be suggested"


class NoPendingSuggestion(Unprocessable):
    code, title = "no-pending-suggestion", "There is no pending suggestion for this field"


class SuggestionInvalid(Unprocessable):
    code, title = "suggestion-invalid", "Some suggested values no longer pass the product's checks"


class PendingBrandNotFound(NotFound):
    code, title = "pending-brand-not-found", "No such brand awaiting review in this account"


class PendingBrandReviewed(Conflict):
    code, title = "pending-brand-reviewed", "This brand was reviewed already"


class ExchangeRateMissing(Unprocessable):
    code, title = "exchange-rate-missing", "No exchange rate is known for a currency the listing needs"


class InvalidPriceRule(Unprocessable):
    code, title = "invalid-price-rule", "The price rule is not valid"


class PriceRuleNotFound(NotFound):
    code, title = "price-rule-not-found", "No such price rule"


class RateOverrideNotFound(NotFound):
    code, title = "exchange-rate-not-found", "No rate of your own is set for this currency"


class RatesUnavailable(ProblemError):
    status, code, title = 502, "exchange-rates-unavailable", "The exchange rate source did not answer usably"


class EbaySiteUnknown(Unprocessable):
    code, title = "ebay-site-unknown", "Not an eBay site Vitrine lists on"


class EbayAccountMissing(Unprocessable):
    code, title = "ebay-account-missing", "No eBay account is connected for a site the product goes to"


class SiteRequired(Unprocessable):
    code, title = "site-required", "The product has several publications on this marketplace: name the site"
