"""Screen parties against a list: blocking, full comparison, matches above a threshold.

>>> from opencustoms.screening.lists import Entity, Party
>>> index = BlockingIndex([Entity("E1", "Company", "Tekhnosfera LLC", ("ООО «Техносфера»",))])
>>> found = screen([Party("P1", "OOO Tekhnosfera", "RU")], index, threshold=0.5)
>>> [(m.party_id, m.entity_id, m.matched_name) for m in found]
[('P1', 'E1', 'Tekhnosfera LLC')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from opencustoms.screening.index import BlockingIndex
from opencustoms.screening.lists import ListVersion, Party
from opencustoms.screening.matcher import Match, NameMatcherV1
from opencustoms.screening.normalize import name_form

MATCH_COLUMNS = ("party_id", "entity_id", "score", "matched_name", "explanation")


def screen(
    parties: Sequence[Party],
    index: BlockingIndex,
    *,
    threshold: float,
    matcher: NameMatcherV1 | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Match]:
    """Every (party, entity) candidate scoring at least ``threshold``, best first per party."""
    matcher = matcher or NameMatcherV1()
    found: list[Match] = []
    total = len(parties)
    for n, party in enumerate(parties, start=1):
        form = name_form(party.name)
        matches = [
            m
            for i, forms in index.candidates(form).items()
            if (m := matcher.match(party, index.entities[i], threshold=threshold, forms=forms))
            is not None
        ]
        found.extend(sorted(matches, key=lambda m: -m.score))
        if progress and (n % 500 == 0 or n == total):
            progress(n, total)
    return found


def matches_frame(matches: Sequence[Match], version: ListVersion | None = None) -> pd.DataFrame:
    """The ``screening parties`` output: the contract columns, then provenance columns."""
    rows = [
        {
            "party_id": m.party_id,
            "entity_id": m.entity_id,
            "score": m.score,
            "matched_name": m.matched_name,
            "explanation": m.explanation,
            "algorithm": m.algorithm,
            "list_source": version.source if version else "",
            "list_version": version.version if version else "",
        }
        for m in matches
    ]
    columns = [*MATCH_COLUMNS, "algorithm", "list_source", "list_version"]
    return pd.DataFrame(rows, columns=columns)
