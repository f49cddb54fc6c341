"""Synthetic names in Korean, Russian and Chinese styles, and the ways they get rewritten.

Every name is composed at random from common name parts (surnames, syllables, company
words), so no generated person or company is a real listed one. A ``Base`` keeps a name in
its own script and in parts, so the variant writers can render it in another script,
another romanisation, another word order, with a dropped word, a typo or another legal
form (the styles of ``docs/screening-typologies.md``).

>>> import random
>>> base = korean_person(random.Random(3))
>>> base.native, rr_person(base) != mr_person(base)
('윤만기', True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import cyrtranslit
import yaml
from anyascii import anyascii
from korean_romanizer.romanizer import Romanizer
from pypinyin import Style, lazy_pinyin

from opencustoms.screening.normalize import DATA_DIR


def _pools() -> dict[str, Any]:
    with (DATA_DIR / "synthetic_names.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


_P = _pools()
KO_SURNAMES: dict[str, list[str]] = _P["korean_surnames"]  # Hangul -> romanisations, RR first
KO_SYLLABLES: list[str] = list(_P["korean_syllables"])
KO_ORG_CORES: list[str] = _P["korean_org_cores"]
KO_ORG_SECOND: list[str] = _P["korean_org_second"]
KO_ORG_TRADES: dict[str, str] = _P["korean_org_trades"]
RU_SURNAMES: list[str] = _P["russian_surnames"]
RU_GIVEN: list[str] = _P["russian_given"]
RU_ORG_PREFIX: list[str] = _P["russian_org_prefix"]
RU_ORG_SUFFIX: list[str] = _P["russian_org_suffix"]
CN_SURNAMES: list[str] = list(_P["chinese_surnames"])
CN_GIVEN: list[str] = list(_P["chinese_given"])
CN_CITIES: dict[str, str] = _P["chinese_cities"]
CN_CORES: list[str] = _P["chinese_cores"]
CN_TRADES: dict[str, str] = _P["chinese_trades"]
HUB_WORDS: dict[str, tuple[list[str], list[str], list[str]]] = {
    country: (v["cores"], v["trades"], v["legal_forms"])
    for country, v in _P["hub_companies"].items()
}
KR_LEGAL: list[str] = _P["korean_legal_forms"]
RU_LEGAL: list[tuple[str, str]] = list(_P["russian_legal_forms"].items())


@dataclass(slots=True)
class Base:
    """A synthetic name in its own script and in parts; ``kind`` = ko/ru/cn x person/org."""

    kind: str
    native: str  # as a native writer puts it: 김정은, Иванов Сергей Петрович, 深圳华信电子有限公司
    parts: dict[str, str] = field(default_factory=dict)
    country: str = ""
    birth_date: str = ""
    schema: str = "Person"


def _rr(hangul: str) -> str:
    return str(Romanizer(hangul).romanize()).capitalize()


_MR_INITIALS = (("g", "k"), ("d", "t"), ("b", "p"), ("j", "ch"))
_MR_VOWELS = (("eo", "o"), ("eu", "u"))


def _mr_syllable(syllable: str) -> str:
    text = str(Romanizer(syllable).romanize())
    for old, new in _MR_INITIALS:
        if text.startswith(old):
            text = new + text[len(old) :]
            break
    for old, new in _MR_VOWELS:
        text = text.replace(old, new)
    return text


def _mr(hangul: str) -> str:
    """A McCune-Reischauer-like spelling without diacritics (the DPRK lists' style),
    syllable by syllable."""
    return "".join(_mr_syllable(s) for s in hangul).capitalize()


def korean_person(rng: random.Random) -> Base:
    surname = rng.choice(list(KO_SURNAMES))
    given = "".join(rng.sample(KO_SYLLABLES, 2))
    return Base(
        "ko-person",
        surname + given,
        {"surname": surname, "given": given},
        rng.choice(["KP", "KP", "KR"]),
        _birth(rng),
    )


def korean_org(rng: random.Random) -> Base:
    core = rng.choice(KO_ORG_CORES) + rng.choice(KO_ORG_SECOND)
    trade = rng.choice(list(KO_ORG_TRADES))
    return Base(
        "ko-org",
        f"{core}{trade}회사",
        {"core": core, "trade": trade},
        rng.choice(["KP", "KP", "KR"]),
        schema="Company",
    )


def russian_person(rng: random.Random) -> Base:
    surname, given = rng.choice(RU_SURNAMES), rng.choice(RU_GIVEN)
    father = rng.choice(RU_GIVEN)
    patronymic = _patronymic(father)
    return Base(
        "ru-person",
        f"{surname} {given} {patronymic}",
        {"surname": surname, "given": given, "patronymic": patronymic},
        rng.choice(["RU", "RU", "BY"]),
        _birth(rng),
    )


def russian_org(rng: random.Random) -> Base:
    prefix, suffix = rng.choice(RU_ORG_PREFIX), rng.choice(RU_ORG_SUFFIX)
    core = prefix + suffix
    legal = rng.choice(RU_LEGAL)
    return Base(
        "ru-org",
        f"{legal[0]} «{core}»",
        {"core": core, "prefix": prefix, "suffix": suffix, "legal": legal[0]},
        rng.choice(["RU", "RU", "BY"]),
        schema="Company",
    )


def chinese_person(rng: random.Random) -> Base:
    surname = rng.choice(CN_SURNAMES)
    given = "".join(rng.sample(CN_GIVEN, rng.choice([1, 2, 2])))
    return Base(
        "cn-person",
        surname + given,
        {"surname": surname, "given": given},
        rng.choice(["CN", "CN", "HK"]),
        _birth(rng),
    )


def chinese_org(rng: random.Random) -> Base:
    city, core, trade = (
        rng.choice(list(CN_CITIES)),
        rng.choice(CN_CORES),
        rng.choice(list(CN_TRADES)),
    )
    return Base(
        "cn-org",
        f"{city}{core}{trade}有限公司",
        {"city": city, "core": core, "trade": trade},
        rng.choice(["CN", "HK"]),
        schema="Company",
    )


def hub_org(rng: random.Random, country: str | None = None) -> Base:
    country = country or rng.choice(list(HUB_WORDS))
    cores, trades, legals = HUB_WORDS[country]
    core, trade, legal = rng.choice(cores), rng.choice(trades), rng.choice(legals)
    extra = rng.choice(["", "", " " + rng.choice(["Prime", "Global", "Star", "United", "Vector"])])
    return Base(
        "hub-org",
        f"{core}{extra} {trade} {legal}".strip(),
        {"core": core + extra, "base": core, "trade": trade, "legal": legal},
        country,
        schema="Company",
    )


MAKERS = (korean_person, korean_org, russian_person, russian_org, chinese_person, chinese_org)


def _birth(rng: random.Random) -> str:
    return f"{rng.randint(1945, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _patronymic(father: str) -> str:
    stem = father[:-1] if father[-1] in "йь" else father
    return stem + ("евич" if father[-1] in "йь" else "ович")


# --- renderings --------------------------------------------------------------------------
def rr_person(b: Base, *, sep: str = " ", surname_first: bool = True) -> str:
    sur = KO_SURNAMES[b.parts["surname"]][0]
    given = sep.join(_rr(s) for s in b.parts["given"])
    given = given[0] + given[1:].lower() if sep == "" else given
    return f"{sur} {given}" if surname_first else f"{given} {sur}"


def mr_person(b: Base, rng: random.Random | None = None) -> str:
    spellings = KO_SURNAMES[b.parts["surname"]]
    sur = (rng.choice(spellings) if rng else spellings[-1]).upper()
    first, second = (_mr(s) for s in b.parts["given"])
    sep = rng.choice([" ", "-"]) if rng else " "
    return f"{sur} {first}{sep}{second if sep == ' ' else second.lower()}"


def ko_org_latin(b: Base, rng: random.Random, *, mr: bool = True) -> str:
    words = [b.parts["core"][i : i + 2] for i in range(0, len(b.parts["core"]), 2)]
    core = " ".join((_mr if mr else _rr)(w) for w in words)
    legal = rng.choice(KR_LEGAL)
    return f"{core} {KO_ORG_TRADES[b.parts['trade']]} {legal}".strip()


@lru_cache(maxsize=1)
def _icao() -> dict[str, str]:
    with (DATA_DIR / "translit.yaml").open(encoding="utf-8") as handle:
        table: dict[str, str] = yaml.safe_load(handle)["icao_9303_cyrillic"]["map"]
    return table


def cyr_latin(text: str, system: str) -> str:
    """Cyrillic in one of three Latin systems: ``bgn`` (anyascii), ``gost`` (cyrtranslit),
    ``icao`` (ICAO 9303)."""
    if system == "bgn":
        return anyascii(text)
    if system == "gost":
        return str(cyrtranslit.to_latin(text, "ru"))
    table = _icao()
    out = []
    for char in text:
        latin = table.get(char.lower(), char)
        out.append(latin.capitalize() if char.isupper() else latin)
    return "".join(out)


def ru_person_latin(
    b: Base, system: str, *, order: str = "given-first", patronymic: bool = True
) -> str:
    p = {k: cyr_latin(v, system) for k, v in b.parts.items()}
    middle = f" {p['patronymic']}" if patronymic else ""
    if order == "given-first":
        return f"{p['given']}{middle} {p['surname'].upper()}"
    return f"{p['surname']} {p['given']}{middle}"


def ru_org_latin(b: Base, system: str, rng: random.Random) -> str:
    core = cyr_latin(b.parts["core"], system)
    english = dict(RU_LEGAL)[b.parts["legal"]]
    return rng.choice(
        [f"{core} {english}", f"{english} {core}", f"{cyr_latin(b.parts['legal'], system)} {core}"]
    )


def pinyin(text: str, *, tones: bool = False) -> list[str]:
    return [s.capitalize() for s in lazy_pinyin(text, style=Style.TONE if tones else Style.NORMAL)]


def cn_person_latin(b: Base, rng: random.Random, *, tones: bool = False) -> str:
    sur = "".join(pinyin(b.parts["surname"], tones=tones))
    syll = pinyin(b.parts["given"], tones=tones)
    given = rng.choice(
        [
            lambda: syll[0] + "".join(s.lower() for s in syll[1:]),
            lambda: " ".join(syll),
            lambda: "-".join([syll[0], *[s.lower() for s in syll[1:]]]),
        ]
    )()
    return rng.choice([f"{sur.upper()} {given}", f"{given} {sur}", f"{sur} {given}"])


def cn_org_latin(b: Base, rng: random.Random, *, city: bool = True) -> str:
    core = "".join(pinyin(b.parts["core"]))
    core = core[0] + core[1:].lower()
    legal = rng.choice(["Co., Ltd.", "Company Limited", "Co. Ltd", "Limited"])
    name = f"{core} {CN_TRADES[b.parts['trade']]} {legal}"
    return f"{CN_CITIES[b.parts['city']]} {name}" if city else name


# --- hard negatives ----------------------------------------------------------------------
def negative_of(kind: str, b: Base, rng: random.Random) -> Base | None:
    """A different synthetic name close to ``b`` (``kind`` of HARD_NEGATIVES)."""
    maker = {
        "ko-person": korean_person,
        "ru-person": russian_person,
        "cn-person": chinese_person,
        "ko-org": korean_org,
        "ru-org": russian_org,
        "cn-org": chinese_org,
        "hub-org": hub_org,
    }[b.kind]
    new = maker(rng) if b.kind != "hub-org" else hub_org(rng, b.country)
    person = b.schema == "Person"
    if kind == "same_surname" and person:
        new.parts["surname"] = b.parts["surname"]
    elif kind == "same_given_name" and person:
        new.parts["given"] = b.parts["given"]
    elif (
        kind == "one_syllable_apart"
        and b.kind in ("ko-person", "cn-person")
        and len(b.parts["given"]) == 2
    ):
        pool = KO_SYLLABLES if b.kind == "ko-person" else CN_GIVEN
        other = rng.choice([s for s in pool if s not in b.parts["given"]])
        new.parts = {"surname": b.parts["surname"], "given": b.parts["given"][0] + other}
    elif kind == "homonym_other_birth" and person:
        new.parts = dict(b.parts)
        while new.birth_date[:4] == b.birth_date[:4]:
            new.birth_date = _birth(rng)
        new.country = b.country
        new.native = b.native
        return new
    elif kind == "same_company_core" and not person:
        new.parts["core"] = b.parts["core"]
        if b.kind == "hub-org":
            new.parts["trade"] = rng.choice(
                [t for t in HUB_WORDS[b.country][1] if t != b.parts["trade"]]
            )
        elif b.kind == "ru-org":
            suffix = rng.choice([x for x in RU_ORG_SUFFIX if x != b.parts["suffix"]])
            new.parts.update(
                prefix=b.parts["prefix"], suffix=suffix, core=b.parts["prefix"] + suffix
            )
        elif "trade" in new.parts:
            new.parts["trade"] = rng.choice(
                [
                    t
                    for t in (KO_ORG_TRADES if b.kind == "ko-org" else CN_TRADES)
                    if t != b.parts["trade"]
                ]
            )
    else:
        return None
    new.country = b.country if rng.random() < 0.7 else new.country
    new.native = native_of(new)
    return new


def native_of(b: Base) -> str:
    p = b.parts
    if b.kind in ("ko-person", "cn-person"):
        return p["surname"] + p["given"]
    if b.kind == "ru-person":
        return f"{p['surname']} {p['given']} {p['patronymic']}"
    if b.kind == "ko-org":
        return f"{p['core']}{p['trade']}회사"
    if b.kind == "cn-org":
        return f"{p['city']}{p['core']}{p['trade']}有限公司"
    if b.kind == "ru-org":
        return f"{p['legal']} «{p['core']}»"
    return f"{p['core']} {p['trade']} {p['legal']}"
