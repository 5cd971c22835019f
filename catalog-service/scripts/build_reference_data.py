"""Writes ``src/catalog_service/reference/data/*.json`` from the definitions below and eBay's taxonomy.

Run: ``uv run python catalog-service/scripts/build_reference_data.py <taxonomy-dir>`` (or set
``EBAY_TAXONOMY_DIR``). The generated JSON is committed; the taxonomy is only needed to rebuild it.

The taxonomy directory holds, per site, eBay's clothing subtree as the Taxonomy API returns it, named
``clothing_EBAY_<SITE>.json``: for each of EBAY_FR, BE, ES, NL, IT, GB, PL and DE,
``GET /commerce/taxonomy/v1/get_default_category_tree_id?marketplace_id=<site>`` then
``GET /commerce/taxonomy/v1/category_tree/<tree id>/get_category_subtree?category_id=11450`` ("Clothes,
Shoes & Accessories") with an application token (client-credentials grant, scope
``https://api.ebay.com/oauth/api_scope``), saving each answer as is.
Leaf category labels come from eBay's category names on the GB/FR/DE/IT/ES sites; the eBay category
mapping is checked against every site's tree (a row per site where the category exists).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "catalog_service" / "reference" / "data"
LANG_SITES = {"en": "GB", "fr": "FR", "de": "DE", "it": "IT", "es": "ES"}
EBAY_SITES = ["EBAY_FR", "EBAY_BE", "EBAY_ES", "EBAY_NL", "EBAY_IT", "EBAY_GB", "EBAY_PL", "EBAY_DE"]


def L(en: str, fr: str, de: str, it: str, es: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "de": de, "it": it, "es": es}


# Category groups (the prior system's clothing-visibility groups) and their Vinted package size.
GROUPS: dict[str, tuple[dict[str, str], int]] = {
    "tops": (L("Tops", "Hauts", "Oberteile", "Top", "Partes de arriba"), 1),
    "bottoms": (L("Bottoms", "Bas", "Hosen & Röcke", "Pantaloni e gonne", "Partes de abajo"), 1),
    "outerwear": (
        L("Outerwear", "Vêtements d'extérieur", "Oberbekleidung", "Capispalla", "Ropa de abrigo"),
        2,
    ),
    "dresses-jumpsuits": (
        L(
            "Dresses & jumpsuits",
            "Robes et combinaisons",
            "Kleider & Overalls",
            "Abiti e tute",
            "Vestidos y monos",
        ),
        1,
    ),
    "formalwear": (
        L("Formalwear", "Tenues habillées", "Festliche Kleidung", "Abbigliamento formale", "Ropa formal"),
        2,
    ),
    "sportswear": (
        L("Sportswear", "Vêtements de sport", "Sportbekleidung", "Abbigliamento sportivo", "Ropa deportiva"),
        1,
    ),
    "nightwear-swimwear": (
        L(
            "Nightwear & swimwear",
            "Nuit et bain",
            "Nachtwäsche & Bademode",
            "Notte e mare",
            "Ropa de dormir y baño",
        ),
        1,
    ),
    "accessories": (L("Accessories", "Accessoires", "Accessoires", "Accessori", "Accesorios"), 1),
}

# Leaf categories: code → (group, eBay men's id, eBay women's id, Vinted catalog men/women, Etsy taxonomy).
# Vinted and Etsy ids are best-known values, to be refreshed from marketplace-vinted's reference sync.
LEAVES: dict[str, tuple[str, str | None, str | None, tuple[int | None, int | None], int | None]] = {
    "t-shirts": ("tops", "15687", "53159", (77, 221), 448),
    "shirts": ("tops", "57990", "53159", (536, 1043), 449),
    "polos": ("tops", "185101", "53159", (1806, 1043), 448),
    "jumpers-cardigans": ("tops", "11484", "63866", (79, 13), 2188),
    "hoodies-sweatshirts": ("tops", "155183", "155226", (267, 1810), 2188),
    "jeans": ("bottoms", "11483", "11554", (257, 183), 439),
    "trousers": ("bottoms", "57989", "63863", (34, 9), 439),
    "shorts": ("bottoms", "15689", "11555", (80, 15), 442),
    "skirts": ("bottoms", None, "63864", (None, 11), 443),
    "leggings": ("bottoms", None, "169001", (None, 525), 440),
    "coats-jackets": ("outerwear", "57988", "63862", (1206, 1037), 434),
    "dresses": ("dresses-jumpsuits", None, "63861", (None, 10), 2053),
    "jumpsuits": ("dresses-jumpsuits", None, "3009", (None, 1035), 2054),
    "suits": ("formalwear", "3001", "63865", (32, 8), 445),
    "formal-shirts": ("formalwear", "57991", "53159", (536, 1043), 449),
    "activewear-tops": ("sportswear", "185076", "185082", (574, 580), 448),
    "activewear-trousers": ("sportswear", "260956", "260954", (575, 581), 439),
    "activewear-shorts": ("sportswear", "260957", "260955", (576, 582), 442),
    "activewear-jackets": ("sportswear", "185702", "185079", (573, 579), 434),
    "tracksuits": ("sportswear", "185708", "185084", (577, 583), 439),
    "nightwear": ("nightwear-swimwear", "11510", "63855", (1778, 1779), 2180),
    "swimwear": ("nightwear-swimwear", "15690", "63867", (84, 28), 2182),
    "wallets": ("accessories", "2996", None, (94, 1784), 2155),
}

SIZE_SYSTEMS: dict[str, tuple[list[str], list[str]]] = {
    "letter": (["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"], [g for g in GROUPS if g != "accessories"]),
    "eu": ([str(n) for n in range(32, 58, 2)], [g for g in GROUPS if g != "accessories"]),
    "waist": ([f"W{n}" for n in range(24, 41)], ["bottoms", "sportswear", "nightwear-swimwear"]),
    "one-size": (["one-size"], list(GROUPS)),
}
ONE_SIZE = L("One size", "Taille unique", "Einheitsgröße", "Taglia unica", "Talla única")

COLOURS: list[tuple[str, str, int, dict[str, str]]] = [
    ("black", "#000000", 1, L("Black", "Noir", "Schwarz", "Nero", "Negro")),
    ("brown", "#6b4226", 2, L("Brown", "Marron", "Braun", "Marrone", "Marrón")),
    ("grey", "#8c8c8c", 3, L("Grey", "Gris", "Grau", "Grigio", "Gris")),
    ("beige", "#d9c8a9", 4, L("Beige", "Beige", "Beige", "Beige", "Beige")),
    ("pink", "#f4a6c1", 5, L("Pink", "Rose", "Rosa", "Rosa", "Rosa")),
    ("purple", "#7d3c98", 6, L("Purple", "Violet", "Lila", "Viola", "Morado")),
    ("red", "#c0392b", 7, L("Red", "Rouge", "Rot", "Rosso", "Rojo")),
    ("yellow", "#f4d03f", 8, L("Yellow", "Jaune", "Gelb", "Giallo", "Amarillo")),
    ("blue", "#2e86c1", 9, L("Blue", "Bleu", "Blau", "Blu", "Azul")),
    ("green", "#27ae60", 10, L("Green", "Vert", "Grün", "Verde", "Verde")),
    ("orange", "#e67e22", 11, L("Orange", "Orange", "Orange", "Arancione", "Naranja")),
    ("white", "#ffffff", 12, L("White", "Blanc", "Weiß", "Bianco", "Blanco")),
    ("silver", "#c0c0c0", 13, L("Silver", "Argenté", "Silber", "Argento", "Plateado")),
    ("gold", "#d4af37", 14, L("Gold", "Doré", "Gold", "Oro", "Dorado")),
    ("multicolour", "", 15, L("Multicolour", "Multicolore", "Mehrfarbig", "Multicolore", "Multicolor")),
    ("khaki", "#7d7f3c", 16, L("Khaki", "Kaki", "Khaki", "Cachi", "Caqui")),
    ("turquoise", "#40e0d0", 17, L("Turquoise", "Turquoise", "Türkis", "Turchese", "Turquesa")),
    ("cream", "#f5f0dc", 20, L("Cream", "Crème", "Creme", "Crema", "Crudo")),
    ("burgundy", "#800020", 23, L("Burgundy", "Bordeaux", "Weinrot", "Bordeaux", "Burdeos")),
    ("navy", "#1b2a49", 27, L("Navy", "Bleu marine", "Marineblau", "Blu navy", "Azul marino")),
]

# code → (rank, labels, eBay ConditionEnum, eBay condition id, Vinted status_id)
CONDITIONS: list[tuple[str, dict[str, str], str, int, int]] = [
    (
        "new_with_tags",
        L(
            "New with tags",
            "Neuf avec étiquette",
            "Neu mit Etikett",
            "Nuovo con cartellino",
            "Nuevo con etiquetas",
        ),
        "NEW",
        1000,
        6,
    ),
    (
        "new_without_tags",
        L(
            "New without tags",
            "Neuf sans étiquette",
            "Neu ohne Etikett",
            "Nuovo senza cartellino",
            "Nuevo sin etiquetas",
        ),
        "NEW_OTHER",
        1500,
        1,
    ),
    (
        "very_good",
        L("Very good", "Très bon état", "Sehr gut", "Ottime condizioni", "Muy bueno"),
        "PRE_OWNED_EXCELLENT",
        2990,
        2,
    ),
    ("good", L("Good", "Bon état", "Gut", "Buone condizioni", "Bueno"), "USED_EXCELLENT", 3000, 3),
    (
        "satisfactory",
        L("Satisfactory", "Satisfaisant", "Zufriedenstellend", "Discrete condizioni", "Aceptable"),
        "PRE_OWNED_FAIR",
        3010,
        4,
    ),
]

MATERIALS: list[tuple[str, dict[str, str]]] = [
    ("cotton", L("Cotton", "Coton", "Baumwolle", "Cotone", "Algodón")),
    ("polyester", L("Polyester", "Polyester", "Polyester", "Poliestere", "Poliéster")),
    ("wool", L("Wool", "Laine", "Wolle", "Lana", "Lana")),
    ("cashmere", L("Cashmere", "Cachemire", "Kaschmir", "Cashmere", "Cachemira")),
    ("silk", L("Silk", "Soie", "Seide", "Seta", "Seda")),
    ("linen", L("Linen", "Lin", "Leinen", "Lino", "Lino")),
    ("viscose", L("Viscose", "Viscose", "Viskose", "Viscosa", "Viscosa")),
    ("elastane", L("Elastane", "Élasthanne", "Elasthan", "Elastan", "Elastano")),
    ("polyamide", L("Polyamide", "Polyamide", "Polyamid", "Poliammide", "Poliamida")),
    ("acrylic", L("Acrylic", "Acrylique", "Acryl", "Acrilico", "Acrílico")),
    ("leather", L("Leather", "Cuir", "Leder", "Pelle", "Cuero")),
    ("faux-leather", L("Faux leather", "Similicuir", "Kunstleder", "Similpelle", "Polipiel")),
    ("suede", L("Suede", "Daim", "Wildleder", "Scamosciato", "Ante")),
    ("denim", L("Denim", "Denim", "Denim", "Denim", "Denim")),
    ("down", L("Down", "Duvet", "Daunen", "Piumino", "Plumón")),
    ("lyocell", L("Lyocell", "Lyocell", "Lyocell", "Lyocell", "Lyocell")),
]

# The prior system's single-value clothing attributes, and genders.
ATTRIBUTES: dict[str, list[tuple[str, dict[str, str]]]] = {
    "gender": [
        ("women", L("Women", "Femme", "Damen", "Donna", "Mujer")),
        ("men", L("Men", "Homme", "Herren", "Uomo", "Hombre")),
        ("unisex", L("Unisex", "Unisexe", "Unisex", "Unisex", "Unisex")),
    ],
    "fit": [
        ("slim", L("Slim", "Ajusté", "Slim", "Slim", "Entallado")),
        ("regular", L("Regular", "Classique", "Regular", "Regolare", "Regular")),
        ("loose", L("Loose", "Ample", "Weit", "Ampio", "Holgado")),
        ("oversized", L("Oversized", "Oversize", "Oversized", "Oversize", "Oversize")),
        ("skinny", L("Skinny", "Skinny", "Skinny", "Skinny", "Pitillo")),
        ("straight", L("Straight", "Droit", "Gerade", "Dritto", "Recto")),
    ],
    "season": [
        ("spring", L("Spring", "Printemps", "Frühling", "Primavera", "Primavera")),
        ("summer", L("Summer", "Été", "Sommer", "Estate", "Verano")),
        ("autumn", L("Autumn", "Automne", "Herbst", "Autunno", "Otoño")),
        ("winter", L("Winter", "Hiver", "Winter", "Inverno", "Invierno")),
        (
            "all-season",
            L("All seasons", "Toutes saisons", "Ganzjährig", "Tutte le stagioni", "Todas las estaciones"),
        ),
    ],
    "pattern": [
        ("solid", L("Solid", "Uni", "Einfarbig", "Tinta unita", "Liso")),
        ("striped", L("Striped", "Rayé", "Gestreift", "A righe", "De rayas")),
        ("checked", L("Checked", "À carreaux", "Kariert", "A quadri", "De cuadros")),
        ("floral", L("Floral", "Fleuri", "Geblümt", "Floreale", "De flores")),
        ("animal", L("Animal print", "Imprimé animal", "Animalprint", "Animalier", "Animal print")),
        ("polka-dot", L("Polka dot", "À pois", "Gepunktet", "A pois", "De lunares")),
        ("graphic", L("Graphic", "Graphique", "Grafisch", "Grafico", "Gráfico")),
    ],
    "neckline": [
        ("crew", L("Crew neck", "Col rond", "Rundhals", "Girocollo", "Cuello redondo")),
        ("v-neck", L("V-neck", "Col V", "V-Ausschnitt", "Scollo a V", "Cuello de pico")),
        ("turtleneck", L("Turtleneck", "Col roulé", "Rollkragen", "Collo alto", "Cuello alto")),
        ("collar", L("Collar", "Col chemise", "Hemdkragen", "Colletto", "Cuello camisero")),
        ("hooded", L("Hooded", "À capuche", "Mit Kapuze", "Con cappuccio", "Con capucha")),
        ("boat", L("Boat neck", "Col bateau", "U-Boot-Ausschnitt", "Scollo a barca", "Cuello barco")),
    ],
    "sleeve_length": [
        ("sleeveless", L("Sleeveless", "Sans manches", "Ärmellos", "Smanicato", "Sin mangas")),
        ("short", L("Short sleeve", "Manches courtes", "Kurzarm", "Manica corta", "Manga corta")),
        ("three-quarter", L("3/4 sleeve", "Manches 3/4", "3/4-Arm", "Manica 3/4", "Manga 3/4")),
        ("long", L("Long sleeve", "Manches longues", "Langarm", "Manica lunga", "Manga larga")),
    ],
    "length": [
        ("cropped", L("Cropped", "Court", "Cropped", "Corto", "Corto")),
        ("regular", L("Regular", "Normale", "Normal", "Normale", "Normal")),
        ("knee", L("Knee length", "Au genou", "Knielang", "Al ginocchio", "A la rodilla")),
        ("midi", L("Midi", "Mi-long", "Midi", "Midi", "Midi")),
        ("maxi", L("Maxi", "Long", "Maxi", "Lungo", "Largo")),
    ],
    "rise": [
        ("low", L("Low rise", "Taille basse", "Niedriger Bund", "Vita bassa", "Tiro bajo")),
        ("mid", L("Mid rise", "Taille normale", "Mittlerer Bund", "Vita media", "Tiro medio")),
        ("high", L("High rise", "Taille haute", "Hoher Bund", "Vita alta", "Tiro alto")),
    ],
    "closure": [
        ("buttons", L("Buttons", "Boutons", "Knöpfe", "Bottoni", "Botones")),
        ("zip", L("Zip", "Fermeture éclair", "Reißverschluss", "Zip", "Cremallera")),
        ("pull-on", L("Pull-on", "Sans fermeture", "Ohne Verschluss", "Senza chiusura", "Sin cierre")),
        ("drawstring", L("Drawstring", "Cordon", "Kordelzug", "Coulisse", "Cordón")),
    ],
    "stretch": [
        ("none", L("No stretch", "Non extensible", "Nicht dehnbar", "Non elastico", "Sin elasticidad")),
        (
            "slight",
            L(
                "Slight stretch",
                "Légèrement extensible",
                "Leicht dehnbar",
                "Leggermente elastico",
                "Algo elástico",
            ),
        ),
        ("stretchy", L("Stretchy", "Extensible", "Dehnbar", "Elastico", "Elástico")),
    ],
    "lining": [
        ("unlined", L("Unlined", "Non doublé", "Ungefüttert", "Sfoderato", "Sin forro")),
        (
            "partial",
            L(
                "Partially lined",
                "Partiellement doublé",
                "Teilgefüttert",
                "Parzialmente foderato",
                "Forrado parcialmente",
            ),
        ),
        (
            "full",
            L(
                "Fully lined",
                "Entièrement doublé",
                "Voll gefüttert",
                "Completamente foderato",
                "Totalmente forrado",
            ),
        ),
    ],
    "origin": [
        ("france", L("France", "France", "Frankreich", "Francia", "Francia")),
        ("italy", L("Italy", "Italie", "Italien", "Italia", "Italia")),
        ("portugal", L("Portugal", "Portugal", "Portugal", "Portogallo", "Portugal")),
        ("uk", L("United Kingdom", "Royaume-Uni", "Vereinigtes Königreich", "Regno Unito", "Reino Unido")),
        ("usa", L("United States", "États-Unis", "Vereinigte Staaten", "Stati Uniti", "Estados Unidos")),
        ("other", L("Other", "Autre", "Andere", "Altro", "Otro")),
    ],
    "decade": [
        (f"{d}s", L(f"{d}s", f"Années {str(d)[2:]}", f"{d}er", f"Anni '{str(d)[2:]}", f"Años {str(d)[2:]}"))
        for d in range(1950, 2030, 10)
    ],
    "sport": [
        ("running", L("Running", "Course à pied", "Laufen", "Corsa", "Running")),
        ("football", L("Football", "Football", "Fußball", "Calcio", "Fútbol")),
        ("cycling", L("Cycling", "Cyclisme", "Radsport", "Ciclismo", "Ciclismo")),
        ("ski", L("Skiing", "Ski", "Ski", "Sci", "Esquí")),
        ("yoga", L("Yoga", "Yoga", "Yoga", "Yoga", "Yoga")),
    ],
    "trend": [
        ("vintage", L("Vintage", "Vintage", "Vintage", "Vintage", "Vintage")),
        ("y2k", L("Y2K", "Y2K", "Y2K", "Y2K", "Y2K")),
        ("streetwear", L("Streetwear", "Streetwear", "Streetwear", "Streetwear", "Streetwear")),
        ("boho", L("Boho", "Bohème", "Boho", "Boho", "Boho")),
        ("minimalist", L("Minimalist", "Minimaliste", "Minimalistisch", "Minimalista", "Minimalista")),
    ],
}

# Etsy when_made from our decade (no decade: a recent item).
WHEN_MADE = {
    "2020s": "2020_2026",
    "2010s": "2010_2019",
    "2000s": "2000_2006",
    "1990s": "1990s",
    "1980s": "1980s",
    "1970s": "1970s",
    "1960s": "1960s",
    "1950s": "1950s",
    "": "2020_2026",
}

BRANDS: list[tuple[str, list[str], int | None]] = [
    ("Levi's", ["Levis", "Levi Strauss", "Levi Strauss & Co."], 53),
    ("Zara", [], None),
    ("H&M", ["HM", "H and M", "Hennes & Mauritz"], None),
    ("Nike", [], None),
    ("Adidas", ["adidas Originals"], None),
    ("Uniqlo", [], None),
    ("Mango", ["MNG"], None),
    ("Ralph Lauren", ["Polo Ralph Lauren", "Lauren"], None),
    ("Tommy Hilfiger", ["Tommy", "Tommy Jeans"], None),
    ("The North Face", ["North Face", "TNF"], None),
    ("Patagonia", [], None),
    ("Carhartt", ["Carhartt WIP"], None),
    ("Lacoste", [], None),
    ("Gucci", [], None),
    ("Prada", [], None),
    ("Louis Vuitton", ["LV"], None),
    ("Chanel", [], None),
    ("Dior", ["Christian Dior"], None),
    ("Burberry", [], None),
    ("Sandro", [], None),
    ("Maje", [], None),
    ("Sézane", ["Sezane"], None),
    ("Comptoir des Cotonniers", [], None),
    ("Petit Bateau", [], None),
    ("Kiabi", [], None),
    ("Promod", [], None),
    ("Pull&Bear", ["Pull and Bear", "Pull & Bear"], None),
    ("Bershka", [], None),
    ("Stradivarius", [], None),
    ("Massimo Dutti", [], None),
    ("COS", [], None),
    ("& Other Stories", ["Other Stories"], None),
    ("Arket", [], None),
    ("Superdry", [], None),
    ("Guess", [], None),
    ("Calvin Klein", ["CK", "Calvin Klein Jeans"], None),
    ("Hugo Boss", ["Boss", "BOSS Hugo Boss"], None),
    ("Diesel", [], None),
    ("Armani", ["Emporio Armani", "Giorgio Armani", "Armani Exchange"], None),
    ("Benetton", ["United Colors of Benetton"], None),
    ("Vans", [], None),
    ("Converse", [], None),
    ("Puma", [], None),
    ("Reebok", [], None),
    ("New Balance", [], None),
    ("Champion", [], None),
    ("Fila", [], None),
    ("Dr. Martens", ["Doc Martens", "Dr Martens"], None),
    ("Desigual", [], None),
    ("Naf Naf", [], None),
    ("Celio", [], None),
    ("Jack & Jones", ["Jack and Jones"], None),
    ("Only", [], None),
    ("Vero Moda", [], None),
    ("Esprit", [], None),
    ("s.Oliver", ["s Oliver"], None),
    ("Marc O'Polo", ["Marc OPolo"], None),
    ("Asos", ["ASOS Design"], None),
]


def slug(name: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in name.lower().replace("&", " and ").replace("é", "e"))
    return "-".join(p for p in out.split("-") if p)


def load_ebay(taxonomy: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """site → category id → category."""
    sites = {}
    for site in EBAY_SITES:
        data = json.loads((taxonomy / f"clothing_{site}.json").read_text())
        sites[site] = {c["category_id"]: c for c in data["categories"]}
    return sites


def build(taxonomy: Path) -> dict[str, Any]:
    ebay = load_ebay(taxonomy)
    categories: list[dict[str, Any]] = []
    for position, (group, (labels, _)) in enumerate(GROUPS.items()):
        categories.append(
            {"code": group, "parent": None, "position": position, "labels": labels, "data": {"group": group}}
        )
    mappings: list[dict[str, Any]] = []
    for position, (code, (group, men, women, vinted, etsy)) in enumerate(LEAVES.items()):
        label_id = men or women
        assert label_id is not None
        labels = {lang: ebay[f"EBAY_{site}"][label_id]["category_name"] for lang, site in LANG_SITES.items()}
        categories.append(
            {"code": code, "parent": group, "position": position, "labels": labels, "data": {"group": group}}
        )
        for gender, ebay_id in (("men", men), ("women", women), ("unisex", men or women)):
            if ebay_id is None:
                continue
            for site, tree in ebay.items():
                if ebay_id in tree and tree[ebay_id].get("is_leaf"):
                    mappings.append(
                        {
                            "marketplace": "ebay",
                            "kind": "category",
                            "code": code,
                            "gender": gender,
                            "site": site,
                            "external_id": ebay_id,
                            "data": {"path": tree[ebay_id]["category_path"]},
                        }
                    )
        for gender, vinted_id in (
            ("men", vinted[0]),
            ("women", vinted[1]),
            ("unisex", vinted[0] or vinted[1]),
        ):
            if vinted_id is not None:
                mappings.append(
                    {
                        "marketplace": "vinted",
                        "kind": "category",
                        "code": code,
                        "gender": gender,
                        "site": "",
                        "external_id": str(vinted_id),
                        "data": {},
                    }
                )
        if etsy is not None:
            mappings.append(
                {
                    "marketplace": "etsy",
                    "kind": "category",
                    "code": code,
                    "gender": "",
                    "site": "",
                    "external_id": str(etsy),
                    "data": {},
                }
            )
        mappings.append(
            {
                "marketplace": "vinted",
                "kind": "package_size",
                "code": code,
                "gender": "",
                "site": "",
                "external_id": str(GROUPS[group][1]),
                "data": {},
            }
        )
    values: list[dict[str, Any]] = [{"type": "category", **c} for c in categories]
    for position, (code, hexa, vinted_id, labels) in enumerate(COLOURS):
        values.append(
            {
                "type": "colour",
                "code": code,
                "parent": None,
                "position": position,
                "labels": labels,
                "data": {"hex": hexa},
            }
        )
        mappings.append(
            {
                "marketplace": "vinted",
                "kind": "colour",
                "code": code,
                "gender": "",
                "site": "",
                "external_id": str(vinted_id),
                "data": {},
            }
        )
    for position, (code, labels, enum, ebay_id, status_id) in enumerate(CONDITIONS):
        values.append(
            {
                "type": "condition",
                "code": code,
                "parent": None,
                "position": position,
                "labels": labels,
                "data": {},
            }
        )
        mappings.append(
            {
                "marketplace": "ebay",
                "kind": "condition",
                "code": code,
                "gender": "",
                "site": "",
                "external_id": enum,
                "data": {"condition_id": ebay_id},
            }
        )
        mappings.append(
            {
                "marketplace": "vinted",
                "kind": "condition",
                "code": code,
                "gender": "",
                "site": "",
                "external_id": str(status_id),
                "data": {},
            }
        )
    for position, (code, labels) in enumerate(MATERIALS):
        values.append(
            {
                "type": "material",
                "code": code,
                "parent": None,
                "position": position,
                "labels": labels,
                "data": {},
            }
        )
    for kind, entries in ATTRIBUTES.items():
        for position, (code, labels) in enumerate(entries):
            values.append(
                {
                    "type": kind,
                    "code": code,
                    "parent": None,
                    "position": position,
                    "labels": labels,
                    "data": {},
                }
            )
    for decade, when_made in WHEN_MADE.items():
        mappings.append(
            {
                "marketplace": "etsy",
                "kind": "when_made",
                "code": decade or "default",
                "gender": "",
                "site": "",
                "external_id": when_made,
                "data": {},
            }
        )
    for system, (sizes, groups) in SIZE_SYSTEMS.items():
        for position, size in enumerate(sizes):
            labels = ONE_SIZE if system == "one-size" else dict.fromkeys(LANG_SITES, size)
            values.append(
                {
                    "type": "size",
                    "code": f"{system}:{size}",
                    "parent": None,
                    "position": position,
                    "labels": labels,
                    "data": {"system": system, "value": size, "groups": groups},
                }
            )
    brands = [
        {"code": slug(name), "name": name, "aliases": aliases, "vinted_id": vinted_id}
        for name, aliases, vinted_id in BRANDS
    ]
    for brand in brands:
        if brand["vinted_id"] is not None:
            mappings.append(
                {
                    "marketplace": "vinted",
                    "kind": "brand",
                    "code": brand["code"],
                    "gender": "",
                    "site": "",
                    "external_id": str(brand["vinted_id"]),
                    "data": {},
                }
            )
    return {"values": values, "brands": brands, "mappings": mappings}


def main() -> None:
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("EBAY_TAXONOMY_DIR")
    if not given:
        sys.exit("usage: build_reference_data.py <taxonomy-dir> (see the module docstring for how to get it)")
    taxonomy = Path(given)
    if not any(taxonomy.glob("clothing_EBAY_*.json")):
        sys.exit(f"{taxonomy}: no clothing_EBAY_<SITE>.json files (see the module docstring)")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in build(taxonomy).items():
        (OUT / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        print(f"{name}.json: {len(rows)} rows")


if __name__ == "__main__":
    main()
