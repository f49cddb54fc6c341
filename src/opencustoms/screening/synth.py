"""Synthetic sanctions list and parties with planted variants, hard negatives and truth.

``screening_set(seed=...)`` makes a list of synthetic entities (Korean, Russian, Chinese
persons and companies, hub front companies) and parties of three kinds:

* **true variants** of listed names, at least ``per_style`` in each style of ``STYLES``;
* **hard negatives** (``HARD_NEGATIVES``): same surname with another given name, same
  given name with another surname, one syllable apart, the same name with another birth
  date, the same company core with another trade;
* **background** parties with unrelated names.

The truth (``party_id, entity_id, kind``) is returned separately; no matcher reads it.

>>> data = screening_set(seed=1, per_style=3, hard_per_kind=2, background=5, extra_entities=0)
>>> sorted(data.truth["kind"].str.split(":").str[0].unique())
['background', 'hard_negative', 'variant']
>>> len(data.parties) == len(data.truth)
True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from opencustoms.screening import synth_names as sn
from opencustoms.screening.lists import Entity, Party
from opencustoms.screening.normalize import name_form

STYLES = (
    "hangul",
    "korean_romanisation",
    "cyrillic",
    "cyrillic_translit",
    "chinese",
    "pinyin",
    "legal_form",
    "word_order",
    "dropped_token",
    "typo",
)
HARD_NEGATIVES = (
    "same_surname",
    "same_given_name",
    "one_syllable_apart",
    "homonym_other_birth",
    "same_company_core",
)
PROGRAMS = {
    "ko": ["UN-DPRK", "KR-MOFA-DPRK", "US-OFAC-SDN"],
    "ru": ["EU-RUS", "US-OFAC-SDN"],
    "cn": ["US-OFAC-SDN", "US-BIS-ENTITY"],
    "hub": ["EU-RUS", "US-OFAC-SDN"],
}
LEGAL_POOL = ["Co., Ltd.", "LLC", "OOO", "JSC", "Limited", "Corporation", "주식회사", "Inc.", "FZE"]
HUBS = ["AE", "TR", "KZ", "KG", "AM"]


@dataclass(slots=True)
class ScreeningSet:
    entities: list[Entity]
    parties: list[Party]
    truth: pd.DataFrame  # party_id, entity_id ('' for negatives), kind
    bases: dict[str, sn.Base]  # entity_id -> synthetic name it was written from


def _identity(b: sn.Base) -> tuple[str, ...]:
    """What makes two synthetic entities the same for the list: the distinctive words only,
    so no two listed entities differ by a word a variant may drop (city, trade word,
    patronymic, legal form)."""
    drop = {"legal", "patronymic", "city", "trade", "prefix", "suffix"}
    if b.kind == "hub-org":
        return (b.kind, b.parts["base"])
    parts = {k: v for k, v in b.parts.items() if k not in drop}
    return (b.kind, *sorted(parts.values()))


def _key(text: str) -> tuple[str, ...]:
    return tuple(sorted(name_form(text).folded))


def _list_name(b: sn.Base, rng: random.Random) -> tuple[str, list[str]]:
    """How a list writes the entity: a Latin name plus aliases (native script sometimes)."""
    aliases: list[str] = []
    if b.kind == "ko-person":
        name = sn.mr_person(b, rng)
        if rng.random() < 0.3:
            aliases.append(sn.rr_person(b, sep=rng.choice(["-", " "])))
    elif b.kind == "ko-org":
        name = sn.ko_org_latin(b, rng, mr=True)
    elif b.kind == "ru-person":
        name = sn.ru_person_latin(b, "bgn")
    elif b.kind == "ru-org":
        name = sn.ru_org_latin(b, "bgn", rng)
    elif b.kind == "cn-person":
        name = sn.cn_person_latin(b, rng)
    elif b.kind == "cn-org":
        name = sn.cn_org_latin(b, rng)
    else:
        return b.native, []
    if rng.random() < 0.5:
        aliases.append(b.native)
    return name, aliases


def _entity(b: sn.Base, entity_id: str, rng: random.Random) -> Entity:
    name, aliases = _list_name(b, rng)
    lang = b.kind.split("-")[0]
    year = rng.randint(2006, 2025)
    return Entity(
        entity_id=entity_id,
        schema=b.schema,
        name=name,
        aliases=tuple(aliases),
        countries=(b.country,),
        birth_dates=(b.birth_date,) if b.birth_date else (),
        program=rng.choice(PROGRAMS[lang]),
        listed_on=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    )


# --- variant writers: (base, listed name, rng) -> party name, or None if not applicable ---
def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long_idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_idx:
        return text
    i = rng.choice(long_idx)
    w = list(words[i])
    pos = rng.randrange(1, len(w) - 1)
    op = rng.choice(["swap", "drop", "double", "replace"])
    if op == "swap":
        w[pos], w[pos + 1 if pos + 1 < len(w) else pos - 1] = (
            w[pos + 1 if pos + 1 < len(w) else pos - 1],
            w[pos],
        )
    elif op == "drop":
        del w[pos]
    elif op == "double":
        w.insert(pos, w[pos])
    else:
        w[pos] = rng.choice("aeiouklmnrst")
    words[i] = "".join(w)
    return " ".join(words)


def _drop_word(name: str, word: str) -> str | None:
    out = " ".join(name.replace(word, " ").split())
    return out if out != name and name_form(out).folded else None


def _strip_legal(name: str) -> str:
    form = name_form(name)
    if not form.legal_forms:
        return name
    words = name.split()
    for n in range(1, 4):  # remove the legal-form words at either end, as written
        for cut in (words[n:], words[:-n]):
            if cut and name_form(" ".join(cut)).tokens == form.tokens:
                return " ".join(cut)
    return name


def _variant(style: str, b: sn.Base, listed: str, rng: random.Random) -> str | None:
    person = b.schema == "Person"
    if style == "hangul" and b.kind.startswith("ko"):
        if person:
            return b.native
        return rng.choice(
            [
                f"{b.parts['core']}{b.parts['trade']} 주식회사",
                f"(주){b.parts['core']}{b.parts['trade']}",
                b.native,
            ]
        )
    if style == "korean_romanisation" and b.kind.startswith("ko"):
        if person:
            return rng.choice(
                [
                    sn.rr_person(b, sep=rng.choice(["", "-", " "])),
                    sn.rr_person(b, surname_first=False),
                    sn.mr_person(b, rng),
                ]
            )
        return sn.ko_org_latin(b, rng, mr=False)
    if style == "cyrillic" and b.kind.startswith("ru"):
        return (
            b.native if person else rng.choice([b.native, f"{b.parts['core']} {b.parts['legal']}"])
        )
    if style == "cyrillic_translit" and b.kind.startswith("ru"):
        system = rng.choice(["gost", "icao"])
        if person:
            return sn.ru_person_latin(b, system, order=rng.choice(["given-first", "surname-first"]))
        return sn.ru_org_latin(b, system, rng)
    if style == "chinese" and b.kind.startswith("cn"):
        return b.native if person or rng.random() < 0.5 else b.native.replace("有限公司", "")
    if style == "pinyin" and b.kind.startswith("cn"):
        if person:
            return sn.cn_person_latin(b, rng, tones=rng.random() < 0.5)
        return sn.cn_org_latin(b, rng, city=rng.random() < 0.5)
    if style == "legal_form" and not person:
        bare = _strip_legal(listed)
        new = rng.choice([f for f in LEGAL_POOL if f not in listed])
        return f"{new} {bare}" if new in ("OOO", "주식회사") else f"{bare} {new}"
    if style == "word_order" and person:
        words = listed.split()
        k = rng.randrange(1, len(words))
        return " ".join(words[k:] + words[:k])
    if style == "dropped_token":
        # Drop a word that is not the distinctive core: a patronymic, the city, the trade
        # word or a filler ("Global"); the core alone still names the entity.
        if b.kind == "ru-person":
            return sn.ru_person_latin(b, "bgn", patronymic=False)
        if b.kind == "cn-org":
            return rng.choice(
                [
                    sn.cn_org_latin(b, rng, city=False),
                    _drop_word(listed, sn.CN_TRADES[b.parts["trade"]]),
                ]
            )
        if b.kind == "ko-org":
            return _drop_word(listed, sn.KO_ORG_TRADES[b.parts["trade"]])
        if b.kind == "hub-org":
            extra = b.parts["core"][len(b.parts["base"]) :].strip()
            return _drop_word(listed, extra or b.parts["trade"])
        return None
    if style == "typo":
        out = _typo(listed, rng)
        return out if out != listed else None
    return None


_RENDER_STYLES: tuple[str, ...] = (
    "hangul",
    "korean_romanisation",
    "cyrillic",
    "cyrillic_translit",
    "chinese",
    "pinyin",
    "typo",
)


def _render_any(b: sn.Base, rng: random.Random) -> str:
    """A negative written the way positives are (any applicable style)."""
    listed, _ = _list_name(b, rng)
    for style in rng.sample(_RENDER_STYLES, len(_RENDER_STYLES)):
        if (text := _variant(style, b, listed, rng)) is not None:
            return text
    return listed


def screening_set(
    *,
    seed: int,
    n_entities: int = 1500,
    per_style: int = 220,
    hard_per_kind: int = 120,
    background: int = 2000,
    extra_entities: int = 0,
) -> ScreeningSet:
    """A list, parties to screen and the truth (see the module docstring)."""
    rng = random.Random(seed)
    makers: list[Callable[[random.Random], sn.Base]] = [*sn.MAKERS, sn.hub_org]
    bases: dict[str, sn.Base] = {}
    seen: set[tuple[str, ...]] = set()
    while len(bases) < n_entities + extra_entities:
        b = rng.choice(makers)(rng)
        if _identity(b) not in seen:
            seen.add(_identity(b))
            bases[f"SYN-{seed}-{len(bases):06d}"] = b
    entities = [_entity(b, eid, rng) for eid, b in bases.items()]
    by_id = {e.entity_id: e for e in entities}
    # Written names -> entities, so a variant that reads exactly like another listed entity
    # (a dropped word that leaves another company's name) is not planted as a clean truth.
    owners: dict[tuple[str, ...], set[str]] = {}
    for e in entities:
        for text in e.names:
            owners.setdefault(_key(text), set()).add(e.entity_id)
    targets = list(bases)[:n_entities]  # the rest only make the list longer (speed tests)
    parties: list[Party] = []
    truth: list[dict[str, str]] = []

    def add(name: str, base: sn.Base, entity_id: str, kind: str, *, same_person: bool) -> None:
        pid = f"P{seed}-{len(parties):06d}"
        birth = base.birth_date if base.schema == "Person" and rng.random() < 0.5 else ""
        r = rng.random()
        country = base.country if r < 0.7 else ("" if r < 0.9 else rng.choice(HUBS))
        if not same_person and kind.endswith("homonym_other_birth"):
            birth = base.birth_date  # the point of this negative: the birth date differs
        parties.append(
            Party(
                pid,
                name,
                country,
                birth,
                rng.choice(["consignee", "end_user", "exporter", "seller"]),
            )
        )
        truth.append({"party_id": pid, "entity_id": entity_id, "kind": kind})

    for style in STYLES:
        made = 0
        while made < per_style:
            eid = rng.choice(targets)
            variant = _variant(style, bases[eid], by_id[eid].name, rng)
            if variant and name_form(variant).folded and owners.get(_key(variant), {eid}) == {eid}:
                add(variant, bases[eid], eid, f"variant:{style}", same_person=True)
                made += 1
    for kind in HARD_NEGATIVES:
        made, tries = 0, 0
        # Persons: the negative must be nobody on the list. Companies share the core on
        # purpose (same_company_core), so only the written name is checked below.
        checked = kind not in ("homonym_other_birth", "same_company_core")
        while made < hard_per_kind:
            tries += 1
            if tries > 1000 * (hard_per_kind + 10):
                raise RuntimeError(f"cannot make {hard_per_kind} hard negatives of kind {kind}")
            eid = rng.choice(targets)
            neg = sn.negative_of(kind, bases[eid], rng)
            if neg is None or (checked and _identity(neg) in seen):
                continue
            text = _render_any(neg, rng)
            if kind != "homonym_other_birth" and _key(text) in owners:
                continue
            add(text, neg, "", f"hard_negative:{kind}", same_person=False)
            made += 1
    while background > 0:
        b = rng.choice(makers)(rng)
        text = _render_any(b, rng)
        if _identity(b) in seen or _key(text) in owners:
            continue
        add(text, b, "", "background", same_person=False)
        background -= 1
    return ScreeningSet(entities, parties, pd.DataFrame(truth), bases)
