"""Checks of what a seller types about their business: the country (ISO 3166-1 alpha-2), an EU VAT number
(its format for the country of its prefix) and a French SIRET (14 digits, Luhn)."""

from __future__ import annotations

import re

# ISO 3166-1 alpha-2, the officially assigned codes.
_ALPHA_2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
"""
COUNTRIES = frozenset(_ALPHA_2.split())

# The VAT number's body after its prefix, per prefix (EU member states; Greece is EL, Northern Ireland XI),
# as the European Commission's VIES describes the formats.
VAT_FORMATS: dict[str, re.Pattern[str]] = {
    prefix: re.compile(pattern)
    for prefix, pattern in {
        "AT": r"U\d{8}",
        "BE": r"[01]\d{9}",
        "BG": r"\d{9,10}",
        "CY": r"\d{8}[A-Z]",
        "CZ": r"\d{8,10}",
        "DE": r"\d{9}",
        "DK": r"\d{8}",
        "EE": r"\d{9}",
        "EL": r"\d{9}",
        "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
        "FI": r"\d{8}",
        "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
        "HR": r"\d{11}",
        "HU": r"\d{8}",
        "IE": r"\d[A-Z0-9+*]\d{5}[A-W][A-I]?",
        "IT": r"\d{11}",
        "LT": r"\d{9}|\d{12}",
        "LU": r"\d{8}",
        "LV": r"\d{11}",
        "MT": r"\d{8}",
        "NL": r"\d{9}B\d{2}",
        "PL": r"\d{10}",
        "PT": r"\d{9}",
        "RO": r"[1-9]\d{1,9}",
        "SE": r"\d{10}01",
        "SI": r"\d{8}",
        "SK": r"\d{10}",
        "XI": r"\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2}",
    }.items()
}
# The country a VAT prefix belongs to, where the two differ.
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_SEPARATORS = re.compile(r"[\s.\-]")
# La Poste's establishments do not all follow the Luhn rule: the sum of their SIRET's digits is a multiple
# of 5 instead.
LA_POSTE_SIREN = "356000000"


def normalise_vat(value: str) -> str:
    """As people type it (spaces, dots, dashes, lower case) to the compact form: ``FR 40 303 265 045``
    → ``FR40303265045``."""
    return _SEPARATORS.sub("", value).upper()


def vat_problem(vat: str, country: str | None) -> str | None:
    """Why a compact VAT number is not acceptable for a seller in ``country``, or None."""
    prefix, body = vat[:2], vat[2:]
    pattern = VAT_FORMATS.get(prefix)
    if pattern is None:
        return "must start with the prefix of an EU member state (FR, DE, IT, ES, EL for Greece…)"
    if pattern.fullmatch(body) is None:
        return f"is not the format of a {prefix} VAT number"
    if country is not None and VAT_PREFIX_COUNTRY.get(prefix, prefix) != country:
        return f"is a {prefix} VAT number, not one of the seller's country ({country})"
    return None


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum over a string of digits."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def siret_problem(siret: str) -> str | None:
    """Why a SIRET (spaces removed) is not acceptable, or None."""
    if len(siret) != 14 or not siret.isdigit():
        return "must be 14 digits"
    valid = luhn_valid(siret) or (siret.startswith(LA_POSTE_SIREN) and sum(map(int, siret)) % 5 == 0)
    return None if valid else "is not a valid SIRET (its check digit is wrong)"
