"""Validated value types shared by every domain (HS codes, countries, currencies)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

import pycountry
import yaml
from pydantic import AfterValidator, BeforeValidator

from opencustoms.settings import PACKAGE_DATA_DIR

_HS_RE = re.compile(r"^\d{2,10}$")
HS_CHAPTERS_FILE = PACKAGE_DATA_DIR / "declarations" / "hs_chapters.yaml"


@lru_cache(maxsize=1)
def hs_chapters() -> frozenset[int]:
    """The HS chapters that exist (``data/declarations/hs_chapters.yaml``).

    >>> 1 in hs_chapters(), 97 in hs_chapters(), 77 in hs_chapters(), 98 in hs_chapters()
    (True, True, False, False)
    """
    spec = yaml.safe_load(HS_CHAPTERS_FILE.read_text(encoding="utf-8"))["chapters"]
    reserved = set(spec.get("reserved") or [])
    return frozenset(c for c in range(spec["first"], spec["last"] + 1) if c not in reserved)


def _strip_to_str(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return str(value)
        return str(int(value))
    if isinstance(value, str):
        return value.strip().replace(".", "").replace(" ", "")
    return value


def check_hs_code(value: str) -> str:
    """Accept 2-10 digit HS codes; a 5-digit value is a 6-digit code that lost its leading 0."""
    if not _HS_RE.match(value):
        raise ValueError("HS code must be 2 to 10 digits")
    if len(value) % 2 == 1:
        # Spreadsheets drop the leading zero of chapters 01-09 (e.g. 10130 for 010130).
        value = "0" + value
    if int(value[:2]) not in hs_chapters():
        raise ValueError(f"HS chapter {value[:2]} does not exist in HS 2022")
    return value


# Codes outside ISO 3166 that declarations use: Kosovo, the EU, unknown.
EXTRA_COUNTRIES = frozenset({"XK", "EU", "ZZ"})


@lru_cache(maxsize=512)
def _country_ok(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None or code in EXTRA_COUNTRIES


def check_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not _country_ok(code):
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
    return code


@lru_cache(maxsize=512)
def _currency_ok(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not _currency_ok(code):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


HSCode = Annotated[str, BeforeValidator(_strip_to_str), AfterValidator(check_hs_code)]
CountryCode = Annotated[str, AfterValidator(check_country)]
CurrencyCode = Annotated[str, AfterValidator(check_currency)]
