"""Blocking: find the few listed names worth comparing without comparing all pairs.

Every list name and alias is indexed under keys made from its folded tokens:

* each token (``kim``, ``hapalov``), and each pair of neighbouring tokens joined
  (``jonkun``), so "Jong Un" and "Jongun" share a key and Korean/Chinese given names,
  whose syllables are common alone, are found by their pair;
* neighbouring triples too (three Hangul syllables against one romanised word);
* the first and the last three letters of each token of four letters or more, and the
  consonants of each token of five or more, so one typo still finds the word.

A query sums the inverse document frequency of the keys it shares with each name
(``numpy.bincount`` over posting arrays), keeps the best ``top_k``, then a cheap
rapidfuzz pre-score keeps the ``keep`` best, and only those within ``max_gap`` points of the
best pre-score, for the full matcher. Keys held by more than
``max_share`` of all names (``kim``, ``trading``) are too common to block on and skipped.

>>> from opencustoms.screening.lists import Entity
>>> index = BlockingIndex([Entity("E1", "Person", "KIM Jong Un"),
...     Entity("E2", "Person", "Sergei Petrovich IVANOV"), Entity("E3", "Company", "Orion LLC")])
>>> [index.entities[i].entity_id for i in index.candidates(name_form("Gim Jongun"))]
['E1']
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from opencustoms.screening.lists import Entity
from opencustoms.screening.normalize import NameForm, name_form

_VOWELS = re.compile("[aeiou]")


def block_keys(form: NameForm) -> set[str]:
    """The keys a name is indexed and queried under.

    >>> sorted(block_keys(name_form("Kim Jong-un")))
    ['jonk', 'jonkun', 'kim', 'kimjonk', 'kimjonkun', 'n:kim', 'p:jon', 's:onk', 'un']
    """
    tokens = form.folded
    keys = {t for t in tokens if len(t) >= 2 or len(tokens) == 1}
    keys.update(a + b for a, b in pairwise(tokens))
    keys.update(a + b + c for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False))
    keys.update(f"n:{key}" for key in form.surnames if key)
    for token in tokens:
        if len(token) >= 4:
            keys.add(f"p:{token[:3]}")
            keys.add(f"s:{token[-3:]}")
        if len(token) >= 5:
            keys.add("c:" + _VOWELS.sub("", token))
    return keys


SUBSET_DISCOUNT = 15.0


def _sorted_words(form: NameForm) -> str:
    return " ".join(sorted(form.folded))


class BlockingIndex:
    """Inverted index over the folded names and aliases of a list."""

    def __init__(
        self,
        entities: Sequence[Entity],
        *,
        top_k: int = 30,
        keep: int = 4,
        min_cheap: float = 60.0,
        max_share: float = 0.05,
        max_gap: float = 20.0,
    ) -> None:
        self.entities = list(entities)
        self.top_k, self.keep, self.min_cheap, self.max_gap = top_k, keep, min_cheap, max_gap
        self.forms: list[NameForm] = []
        self.owner: list[int] = []  # form index -> entity index
        postings: dict[str, list[int]] = defaultdict(list)
        for e_idx, entity in enumerate(self.entities):
            for text in entity.names:
                form = name_form(text)
                if not form.folded:
                    continue
                f_idx = len(self.forms)
                self.forms.append(form)
                self.owner.append(e_idx)
                for key in block_keys(form):
                    postings[key].append(f_idx)
        n_forms = max(len(self.forms), 1)
        limit = max(int(max_share * n_forms), 50)
        self._postings = {k: np.asarray(v, dtype=np.int32) for k, v in postings.items()}
        # Whole words and joined neighbours say more than a prefix, suffix or skeleton.
        self._idf = {
            k: math.log(1 + n_forms / len(v)) * (0.5 if k[1:2] == ":" else 1.0)
            for k, v in postings.items()
            if len(v) <= limit
        }
        self._owner = np.asarray(self.owner, dtype=np.int32)
        # Strings for the cheap pre-score, computed once: sorted words (word order) and
        # joined words (spacing).
        self._sorted = np.asarray([_sorted_words(f) for f in self.forms], dtype=object)
        self._compact = np.asarray([f.compact for f in self.forms], dtype=object)

    def __len__(self) -> int:
        return len(self.entities)

    def candidate_forms(self, query: NameForm) -> list[int]:
        """Indexes of the listed names worth a full comparison, best first."""
        keys = [k for k in block_keys(query) if k in self._idf]
        if not keys:
            return []
        arrays = [self._postings[k] for k in keys]
        weights = np.repeat([self._idf[k] for k in keys], [len(a) for a in arrays])
        # Sum per name over the few hundred postings only (not a list-sized array).
        names, where = np.unique(np.concatenate(arrays), return_inverse=True)
        totals = np.bincount(where, weights=weights)
        if len(names) > self.top_k:
            names = names[np.argpartition(-totals, self.top_k)[: self.top_k]]
        hit = names
        # One C call per pre-score over all candidates (rapidfuzz.process.cdist): sorted
        # words (word order), joined words (spacing), word sets (a dropped word; less
        # credit, as "Kim" is a subset of every Kim).
        words = list(self._sorted[hit])
        query_words = _sorted_words(query)
        cheap = np.maximum.reduce(
            [
                cdist([query_words], words, scorer=fuzz.ratio)[0],
                cdist([query.compact], list(self._compact[hit]), scorer=fuzz.ratio)[0],
                cdist([query_words], words, scorer=fuzz.token_set_ratio)[0] - SUBSET_DISCOUNT,
            ]
        )
        order = np.argsort(-cheap, kind="stable")[: self.keep]
        # Far behind the best pre-score is not worth a full comparison.
        floor = max(self.min_cheap, float(cheap[order[0]]) - self.max_gap) if len(order) else 0
        return [int(hit[i]) for i in order if cheap[i] >= floor]

    def candidates(self, query: NameForm) -> dict[int, list[NameForm]]:
        """Entity index -> its listed names worth a full comparison, best first."""
        found: dict[int, list[NameForm]] = {}
        for f_idx in self.candidate_forms(query):
            found.setdefault(int(self._owner[f_idx]), []).append(self.forms[f_idx])
        return found
