"""Request and response bodies of the profiles: the user's own, and the seller account's business."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auth_service.profiles.identifiers import COUNTRIES, normalise_vat, siret_problem


class Language(StrEnum):
    """The languages Vitrine writes in (AI texts, mails)."""

    FR = "fr"
    EN = "en"
    DE = "de"
    IT = "it"
    ES = "es"


class SellerType(StrEnum):
    INDIVIDUAL = "individual"  # a private person selling their things
    PROFESSIONAL = "professional"  # a business: a company name, in the EU a VAT number, in France a SIRET


class UserProfileOut(BaseModel):
    email: str
    name: str | None
    language: Language


class UserProfilePatch(BaseModel):
    """Fields left out keep their value; ``name: null`` clears the name."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    language: Language = Field(default=Language.EN, description="Default of AI texts and mails.")

    @field_validator("name")
    @classmethod
    def trimmed(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None


class BusinessProfileOut(BaseModel):
    name: str = Field(description="The seller account's (shop's) name.")
    country: str | None
    seller_type: SellerType | None
    company_name: str | None
    vat_number: str | None
    siret: str | None
    missing: list[str] = Field(description="Fields onboarding still needs (empty once complete).")
    complete: bool


class BusinessProfilePatch(BaseModel):
    """Fields left out keep their value; ``null`` clears an optional one. Becoming ``individual`` clears
    the business fields."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", min_length=1, max_length=200)
    country: str = Field(default="", description="ISO 3166-1 alpha-2, e.g. FR")
    seller_type: SellerType = SellerType.INDIVIDUAL
    company_name: str | None = Field(default=None, min_length=1, max_length=200)
    vat_number: str | None = Field(
        default=None, max_length=30, description="EU VAT number, e.g. FR40303265045"
    )
    siret: str | None = Field(default=None, max_length=20, description="France: 14 digits")

    @field_validator("name", "company_name")
    @classmethod
    def trimmed(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None

    @field_validator("country")
    @classmethod
    def iso_country(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in COUNTRIES:
            raise ValueError("must be an ISO 3166-1 alpha-2 country code (FR, DE, IT…)")
        return code

    @field_validator("vat_number")
    @classmethod
    def compact_vat(cls, value: str | None) -> str | None:
        return normalise_vat(value) if value is not None else None

    @field_validator("siret")
    @classmethod
    def valid_siret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        siret = value.replace(" ", "")
        problem = siret_problem(siret)
        if problem is not None:
            raise ValueError(problem)
        return siret
