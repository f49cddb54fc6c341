"""Identity keys from free text as written on waybills: names, addresses, phones, goods.

Every function works on the *distinct* values of a column (a manifest repeats each
recipient many times) and returns one key per value; callers gather the keys back to rows.

* Names: Hangul syllables map to their canonical romanisation (``names.yaml``, else the
  korean-romanizer library); romanised spellings (``Gim``, ``Min-joon``, ``KIM MINJUN``,
  ``Minjun Kim``) lose case, spacing and hyphens and every known variant spelling is
  replaced by the canonical one, so they all meet at ``kim:minjun``.
* Addresses: the road name (Hangul romanised) plus the multiset of numbers (building, unit),
  so ``서울 강남구 테헤란로 12, 101동 1203호`` and ``101-1203, 12 Teheran-ro, Seoul`` meet.
* Phones: the national number's last ten digits (``+82 10-...`` and ``010...`` meet).

>>> name_keys(["김민준", "Kim Min-joon", "MINJUN GIM", "Gim Minjun"])
['kim:minjun', 'kim:minjun', 'kim:minjun', 'kim:minjun']
>>> address_keys(["서울 강남구 테헤란로 12, 101동 1203호", "101-1203, 12 Teheran-ro, Seoul"])
['teheranro|12|101|1203', 'teheranro|12|101|1203']
>>> phone_keys(["+82-10-1234-5678", "010 1234 5678"])
['1012345678', '1012345678']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from opencustoms.parcels.reference import load_reference

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LETTERS = re.compile(r"[^a-z]")
_TOKENS = re.compile(r"[^\w]+")


@lru_cache(maxsize=1)
def _name_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str], re.Pattern[str]]:
    ref = load_reference()
    hangul_surname = {s["hangul"]: s["canonical"] for s in ref.surnames}
    roman_surname: dict[str, str] = {}
    for s in ref.surnames:
        for spelling in [s["canonical"], *s["variants"]]:
            roman_surname.setdefault(spelling, s["canonical"])
    syllable = {s["hangul"]: s["canonical"] for s in ref.syllables}
    variants = {v: s["canonical"] for s in ref.syllables for v in s["variants"]}
    # Longest first: Python's alternation takes the first alternative that matches.
    pattern = re.compile("|".join(sorted(map(re.escape, variants), key=len, reverse=True)))
    return hangul_surname, roman_surname, {**syllable, **variants}, pattern


@lru_cache(maxsize=4096)
def romanise_hangul(text: str) -> str:
    """Revised Romanisation of a Hangul word (korean-romanizer), lower case."""
    from korean_romanizer.romanizer import Romanizer

    return str(Romanizer(text).romanize()).lower()


def _squash_given(given: str) -> str:
    _, _, table, pattern = _name_tables()
    return pattern.sub(lambda m: table[m.group(0)], given)


def _hangul_given(text: str) -> str:
    _, _, table, _ = _name_tables()
    return "".join(table.get(ch) or romanise_hangul(ch) for ch in text)


def name_key(name: str | None) -> str:
    """``surname:given`` in canonical romanisation; ``""`` when nothing usable."""
    if not name:
        return ""
    hangul_surname, roman_surname, _, _ = _name_tables()
    text = name.strip()
    if _HANGUL.search(text):
        compact = "".join(_HANGUL.findall(text))
        if len(compact) >= 2 and compact[0] in hangul_surname:
            return f"{hangul_surname[compact[0]]}:{_squash_given(_hangul_given(compact[1:]))}"
        return f":{_squash_given(_hangul_given(compact))}"
    tokens = [_LETTERS.sub("", t) for t in _TOKENS.split(text.lower())]
    tokens = [t for t in tokens if t]
    if not tokens:
        return ""
    if len(tokens) == 1:
        return f":{_squash_given(tokens[0])}"
    # Korean order (surname first) unless only the last token is a surname.
    if tokens[0] in roman_surname and (len(tokens) > 2 or tokens[-1] not in roman_surname):
        surname, given = tokens[0], tokens[1:]
    elif tokens[-1] in roman_surname:
        surname, given = tokens[-1], tokens[:-1]
    else:
        surname, given = tokens[0], tokens[1:]
    return f"{roman_surname.get(surname, surname)}:{_squash_given(''.join(given))}"


def name_keys(values: Iterable[str | None]) -> list[str]:
    return [name_key(v) for v in values]


_ROAD_HANGUL = re.compile(r"([\uac00-\ud7a3]+(?:로|길))(?=\s*\d)")
_ROAD_ROMAN = re.compile(r"\b([a-z]+(?:-?(?:daero|ro|gil)))\b")
_DIGITS = re.compile(r"\d+")


def address_key(address: str | None) -> str:
    """``road|n1|n2|...``: romanised road name and the sorted numbers of the address."""
    if not address:
        return ""
    numbers = sorted(_DIGITS.findall(address), key=lambda d: (len(d), d))
    match = _ROAD_HANGUL.search(address)
    if match:
        road = _LETTERS.sub("", romanise_hangul(match.group(1)))
    else:
        roads = _ROAD_ROMAN.findall(address.lower())
        road = _LETTERS.sub("", roads[-1]) if roads else ""
    return "|".join([road, *numbers])


def address_keys(values: Iterable[str | None]) -> list[str]:
    return [address_key(v) for v in values]


def phone_key(phone: str | None) -> str:
    """The national significant number: digits without the country code or trunk 0."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("82"):
        digits = digits[2:]
    return digits.lstrip("0")


def phone_keys(values: Iterable[str | None]) -> list[str]:
    return [phone_key(v) for v in values]
