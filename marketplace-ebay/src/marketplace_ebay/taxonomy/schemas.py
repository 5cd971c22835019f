"""Bodies of the category endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CategorySuggestion(BaseModel):
    category_id: str
    name: str = Field(description="in the site's language")
    path: list[str] = Field(description="the names from the tree's root down to the category")
    relevancy: str | None = None


class CategorySuggestionsOut(BaseModel):
    site: str
    category_tree_id: str
    suggestions: list[CategorySuggestion]


class AspectOut(BaseModel):
    name: str = Field(description="eBay's localizedAspectName: the name a listing on this site must use")
    required: bool
    multiple: bool = Field(description="several values allowed")
    values: list[str] = Field(default_factory=list, description="the values eBay offers, if it lists them")


class AspectsOut(BaseModel):
    site: str
    category_id: str
    required: list[str]
    aspects: list[AspectOut]


class AspectsCheckIn(BaseModel):
    aspects: dict[str, list[str]] = Field(description="the item specifics the listing would go out with")


class AspectsCheckOut(BaseModel):
    site: str
    category_id: str
    missing: list[str] = Field(description="always empty here: a listing missing some is a 422 naming them")
