"""eBay's item specifics per site: the aspect names in the site's language, and the language whose labels
give the values.

Names are eBay's own per site (the prior system kept them in ``ebay.aspect_name_mapping``; they are written
here, in the project). Values come from the reference data's labels, which exist in en/fr/de/it/es: the
Dutch and Polish sites get Dutch and Polish names, their department in their language, and English labels
for the other values (reference data has no nl/pl labels yet).
"""

from __future__ import annotations

# The language of each site's listings (eBay's Content-Language: fr-BE on the Belgian site's French side).
SITE_LANGUAGE: dict[str, str] = {
    "EBAY_FR": "fr",
    "EBAY_BE": "fr",
    "EBAY_GB": "en",
    "EBAY_DE": "de",
    "EBAY_ES": "es",
    "EBAY_IT": "it",
    "EBAY_NL": "nl",
    "EBAY_PL": "pl",
}
LABEL_LANGUAGES = frozenset({"en", "fr", "de", "it", "es"})

ASPECT_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "brand": "Brand",
        "size": "Size",
        "colour": "Colour",
        "material": "Material",
        "department": "Department",
    },
    "fr": {
        "brand": "Marque",
        "size": "Taille",
        "colour": "Couleur",
        "material": "Matière",
        "department": "Département",
    },
    "de": {
        "brand": "Marke",
        "size": "Größe",
        "colour": "Farbe",
        "material": "Material",
        "department": "Abteilung",
    },
    "es": {
        "brand": "Marca",
        "size": "Talla",
        "colour": "Color",
        "material": "Material",
        "department": "Departamento",
    },
    "it": {
        "brand": "Marca",
        "size": "Taglia",
        "colour": "Colore",
        "material": "Materiale",
        "department": "Reparto",
    },
    "nl": {
        "brand": "Merk",
        "size": "Maat",
        "colour": "Kleur",
        "material": "Materiaal",
        "department": "Afdeling",
    },
    "pl": {
        "brand": "Marka",
        "size": "Rozmiar",
        "colour": "Kolor",
        "material": "Materiał",
        "department": "Dział",
    },
}

# Department values where the reference data has no label in the site's language.
DEPARTMENTS: dict[str, dict[str, str]] = {
    "nl": {"women": "Dames", "men": "Heren", "unisex": "Uniseks"},
    "pl": {"women": "Kobiety", "men": "Mężczyźni", "unisex": "Uniseks"},
}


def language(site: str) -> str:
    return SITE_LANGUAGE.get(site, "en")


def label_language(site: str) -> str:
    """The language of the reference labels used as values on ``site`` (English where none exists)."""
    lang = language(site)
    return lang if lang in LABEL_LANGUAGES else "en"
