"""Entities and parties as exchange-format tables (``docs/screening-format.md``).

>>> from opencustoms.screening.lists import Entity
>>> entities_frame([Entity("E1", "Person", "KIM Chol", ("김철",), ("KP",))]).iloc[0].to_dict()
... # doctest: +NORMALIZE_WHITESPACE
{'entity_id': 'E1', 'schema': 'Person', 'name': 'KIM Chol', 'aliases': '김철', 'country': 'KP',
 'birth_date': '', 'program': '', 'listed_on': ''}
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from opencustoms.screening.lists import Entity, Party
from opencustoms.screening.synth import ScreeningSet

SANCTIONS_COLUMNS = (
    "entity_id",
    "schema",
    "name",
    "aliases",
    "country",
    "birth_date",
    "program",
    "listed_on",
)
PARTIES_COLUMNS = ("party_id", "name", "country", "birth_date", "role", "declaration_id")


def entities_frame(entities: Sequence[Entity]) -> pd.DataFrame:
    rows = [
        {
            "entity_id": e.entity_id,
            "schema": e.schema,
            "name": e.name,
            "aliases": ";".join(e.aliases),
            "country": ";".join(e.countries),
            "birth_date": ";".join(e.birth_dates),
            "program": e.program,
            "listed_on": e.listed_on,
        }
        for e in entities
    ]
    return pd.DataFrame(rows, columns=list(SANCTIONS_COLUMNS))


def parties_frame(parties: Sequence[Party]) -> pd.DataFrame:
    rows = [
        {
            "party_id": p.party_id,
            "name": p.name,
            "country": p.country,
            "birth_date": p.birth_date,
            "role": p.role,
            "declaration_id": p.declaration_id,
        }
        for p in parties
    ]
    return pd.DataFrame(rows, columns=list(PARTIES_COLUMNS))


def write_set(data: ScreeningSet, out: str | Path) -> dict[str, int]:
    """Write ``sanctions.csv``, ``parties.csv`` and ``screening_truth.csv``; rows per file."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "sanctions": entities_frame(data.entities),
        "parties": parties_frame(data.parties),
        "screening_truth": data.truth,
    }
    for name, frame in frames.items():
        frame.to_csv(out / f"{name}.csv", index=False)
    return {name: len(frame) for name, frame in frames.items()}
