"""The party matcher: documented features, fitted weights, a calibrated score, explanations.

An algorithm is a versioned class: its ``NAME`` goes into every stored match, its features
are listed with plain-language descriptions (``FEATURES``), and its weights are data
(``data/screening/matcher_v1.yaml``, fitted by logistic regression on a synthetic tuning
seed by ``benchmarks/bench_screening_match.py``). The score is the logistic of the weighted
features, so 0.9 means "about nine in ten such candidates were true matches" on the tuning
data (the benchmark reports the reliability per score band on another seed).

>>> from opencustoms.screening.lists import Entity, Party
>>> entity = Entity("E1", "Person", "KIM Jong Un", ("김정은",), ("KP",), ("1984-01-08",))
>>> party = Party("P1", "Gim Jeong-eun", "KP", "1984-01-08")
>>> match = NameMatcherV1().compare(party, entity)
>>> match.score > 0.9, match.matched_name
(True, 'KIM Jong Un')
>>> other = Party("P2", "Kim Yong Chol", "KP", "1961-02-03")
>>> NameMatcherV1().compare(other, entity).score < 0.1
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from opencustoms.screening.compare import NameComparison, compare_names
from opencustoms.screening.lists import Entity, Party
from opencustoms.screening.normalize import DATA_DIR, NameForm, name_form

PERSON_SCHEMAS = frozenset({"Person"})
SYLLABIC = frozenset({"hangul", "han"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the features look at for one party x entity pair."""

    party: Party
    entity: Entity
    party_form: NameForm
    listed_form: NameForm
    names: NameComparison
    dob: float  # 1 same day, 0.5 same year, -1 different, 0 unknown
    country: int  # 1 agrees, -1 differs, 0 unknown


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    description: str
    compute: Callable[[Evidence], float]


@dataclass(slots=True)
class Match:
    party_id: str
    entity_id: str
    score: float
    matched_name: str
    features: dict[str, float]
    explanation: str
    algorithm: str
    details: dict[str, Any] = field(default_factory=dict)


def _dob(party: Party, entity: Entity) -> float:
    if not party.birth_date or not entity.birth_dates:
        return 0.0
    best = -1.0
    for listed in entity.birth_dates:
        if party.birth_date[:4] != listed[:4]:
            continue
        precise = len(party.birth_date) >= 10 and len(listed) >= 10
        if not precise:
            best = max(best, 0.5)
        elif party.birth_date[:10] == listed[:10]:
            best = 1.0
    return best


def _country(party: Party, entity: Entity) -> int:
    if not party.country or not entity.countries:
        return 0
    return 1 if party.country in entity.countries else -1


def _schema_mismatch(ev: Evidence) -> float:
    listed_person = ev.entity.schema in PERSON_SCHEMAS
    party_org = ev.party_form.organisation
    party_person = bool(ev.party.birth_date)
    return float((listed_person and party_org) or (not listed_person and party_person))


FEATURES: tuple[Feature, ...] = (
    Feature(
        "name",
        "similarity of the best name or alias after transliteration and folding",
        lambda ev: ev.names.similarity,
    ),
    Feature("paired", "how well the words that have a partner agree", lambda ev: ev.names.paired),
    Feature(
        "coverage_short",
        "share of the shorter name's letters in matching words",
        lambda ev: ev.names.coverage_short,
    ),
    Feature(
        "coverage_long",
        "share of the longer name's letters in matching words",
        lambda ev: ev.names.coverage_long,
    ),
    Feature(
        "subset",
        "every word of the shorter name is in the longer one, none conflicts",
        lambda ev: float(ev.names.conflicts == 0 and ev.names.coverage_short >= 0.95),
    ),
    Feature(
        "dropped_syllable",
        "a Hangul or Han syllable is missing (another given name)",
        lambda ev: float(
            ev.names.dropped > 0 and bool({ev.party_form.script, ev.listed_form.script} & SYLLABIC)
        ),
    ),
    Feature(
        "conflicts",
        "words on both sides without a partner (e.g. another given name)",
        lambda ev: float(min(ev.names.conflicts, 2)),
    ),
    Feature(
        "dropped",
        "words on one side only (a dropped patronymic or trade word)",
        lambda ev: float(min(ev.names.dropped, 2)),
    ),
    Feature(
        "dob_match", "birth date agrees (1 same day, 0.5 same year)", lambda ev: max(ev.dob, 0.0)
    ),
    Feature("dob_mismatch", "birth date differs", lambda ev: float(ev.dob < 0)),
    Feature(
        "country_match",
        "party country is one of the entity's countries",
        lambda ev: float(ev.country > 0),
    ),
    Feature(
        "country_mismatch",
        "party country is none of the entity's countries",
        lambda ev: float(ev.country < 0),
    ),
    Feature(
        "schema_mismatch",
        "a company name against a listed person, or the reverse",
        _schema_mismatch,
    ),
    Feature(
        "short_name",
        "the name has fewer than 7 letters (weak evidence)",
        lambda ev: float(len(ev.listed_form.compact) < 7),
    ),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)


@lru_cache(maxsize=4)
def load_weights(path: Path | None = None) -> tuple[float, dict[str, float]]:
    """(bias, weight per feature) from the matcher's data file."""
    with (path or DATA_DIR / "matcher_v1.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    weights = {name: float(data["weights"][name]) for name in FEATURE_NAMES}
    return float(data["bias"]), weights


def load_review_threshold(path: Path | None = None) -> float:
    """The review threshold fitted with the weights (``review_threshold`` in the file)."""
    with (path or DATA_DIR / "matcher_v1.yaml").open(encoding="utf-8") as handle:
        return float(yaml.safe_load(handle)["review_threshold"])


class NameMatcherV1:
    """Names across scripts plus birth date, country and schema as evidence."""

    NAME = "name-evidence-v1"
    FEATURES = FEATURES

    def __init__(self, bias: float | None = None, weights: dict[str, float] | None = None):
        file_bias, file_weights = load_weights()
        self.bias = file_bias if bias is None else bias
        self.weights = file_weights if weights is None else weights

    def evidence(
        self, party: Party, entity: Entity, forms: Sequence[NameForm] | None = None
    ) -> Evidence:
        """The best-matching list name of ``entity`` for ``party`` (among ``forms`` when
        blocking already chose them), with the other facts."""
        party_form = name_form(party.name)
        best: tuple[float, NameForm, NameComparison] | None = None
        for listed in forms or [name_form(text) for text in entity.names]:
            names = compare_names(party_form, listed)
            key = names.similarity + 0.5 * names.coverage_short - 0.2 * names.conflicts
            if best is None or key > best[0]:
                best = (key, listed, names)
        assert best is not None  # an entity always has a name (lists.py refuses empty)
        return Evidence(
            party,
            entity,
            party_form,
            best[1],
            best[2],
            _dob(party, entity),
            _country(party, entity),
        )

    def features(self, ev: Evidence) -> dict[str, float]:
        return {f.name: float(f.compute(ev)) for f in self.FEATURES}

    def score(self, values: dict[str, float]) -> float:
        z = self.bias + sum(self.weights[k] * v for k, v in values.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def compare(self, party: Party, entity: Entity) -> Match:
        match = self.match(party, entity, threshold=0.0)
        assert match is not None  # every score is >= 0
        return match

    def match(
        self,
        party: Party,
        entity: Entity,
        *,
        threshold: float,
        forms: Sequence[NameForm] | None = None,
    ) -> Match | None:
        """The match if it scores at least ``threshold`` (explanations cost time: only
        candidates that pass get one)."""
        ev = self.evidence(party, entity, forms)
        values = self.features(ev)
        score = self.score(values)
        if score < threshold:
            return None
        return Match(
            party_id=party.party_id,
            entity_id=entity.entity_id,
            score=round(score, 4),
            matched_name=ev.listed_form.text,
            features={k: round(v, 4) for k, v in values.items()},
            explanation=explain(ev, score),
            algorithm=self.NAME,
            details={"pairs": [list(p) for p in ev.names.pairs]},
        )


def explain(ev: Evidence, score: float) -> str:
    """Plain words: which name or alias, which features agreed and which did not."""
    entity = ev.entity
    which = "name" if ev.listed_form.text == entity.name else "alias"
    scripts = (
        f" ({ev.party_form.script} vs {ev.listed_form.script}, compared after transliteration)"
        if ev.party_form.script != ev.listed_form.script
        else ""
    )
    words = ", ".join(f"{a}={b}" if s >= 0.99 else f"{a}~{b} {s:.2f}" for a, b, s in ev.names.pairs)
    parts = [
        f"'{ev.party.name}' vs {which} '{ev.listed_form.text}' of {entity.entity_id} "
        f"({entity.schema}; {entity.program or 'no program'}"
        f"{'; listed ' + entity.listed_on if entity.listed_on else ''}){scripts}",
        f"name similarity {ev.names.similarity:.2f} (words: {words or 'none alike'})",
    ]
    if ev.names.conflicts:
        parts.append(f"{ev.names.conflicts} word(s) differ on both sides")
    if ev.names.dropped:
        parts.append(f"{ev.names.dropped} word(s) present on one side only")
    if ev.party_form.legal_forms or ev.listed_form.legal_forms:
        forms = "/".join(dict.fromkeys(ev.party_form.legal_forms + ev.listed_form.legal_forms))
        parts.append(f"legal form ignored ({forms})")
    if ev.dob > 0:
        parts.append(f"birth date agrees ({ev.party.birth_date})")
    elif ev.dob < 0:
        parts.append(
            f"birth date differs ({ev.party.birth_date} vs {';'.join(entity.birth_dates)})"
        )
    if ev.country > 0:
        parts.append(f"country agrees ({ev.party.country})")
    elif ev.country < 0:
        parts.append(f"country differs ({ev.party.country} vs {';'.join(entity.countries)})")
    if _schema_mismatch(ev):
        parts.append(f"listed as {entity.schema}, party looks like the other kind")
    return f"score {score:.2f}: " + "; ".join(parts)
