"""Comparing two normalised names: token alignment, merged syllables and word order.

``compare_names`` returns the numbers the matcher's features read and the token pairs its
explanation shows. Names are compared on their folded tokens (``normalize.fold_token``)
with rapidfuzz's normalised Indel similarity.

* **Merged syllables**: "Jong Un" vs "Jongun", or "张伟明" (zhang wei ming) vs "Zhang
  Weiming": adjacent tokens of one side are joined where the join matches a token of the
  other side better than either part does.
* **Word order**: surname first or last; tokens are aligned greedily, best pair first, so
  order does not matter, and the joined name is also compared in every rotation.
* **Dropped tokens** (a patronymic, "Trading") leave a token without partner on one side;
  **conflicting tokens** (a different given name) leave one on both sides.

>>> from opencustoms.screening.normalize import name_form
>>> c = compare_names(name_form("张伟明"), name_form("ZHANG Weiming"))
>>> round(c.similarity, 2), c.conflicts, c.dropped
(1.0, 0, 0)
>>> c = compare_names(name_form("Sergei Ivanov"), name_form("Ivanov Sergei Petrovich"))
>>> round(c.coverage_short, 2), c.conflicts, c.dropped
(1.0, 0, 1)
>>> c = compare_names(name_form("Andrei Petrovich Ivanov"), name_form("Sergei Petrovich Ivanov"))
>>> c.conflicts
1
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Indel

from opencustoms.screening.normalize import NameForm

# A token pair at or above this similarity counts as the same word (one typo in a
# 6-letter word scores ~0.83); below PAIR_MIN it is no pair at all.
SAME_WORD = 0.8
PAIR_MIN = 0.5


@dataclass(frozen=True, slots=True)
class NameComparison:
    similarity: float  # 0-1, best of token alignment and rotated joined-name similarity
    paired: float  # 0-1, how well the words that have a partner agree (letters-weighted)
    coverage_short: float  # share of the shorter name's letters in same-word pairs
    coverage_long: float  # same for the longer name
    conflicts: int  # tokens on both sides left without a same-word partner
    dropped: int  # tokens on one side only without partner
    pairs: tuple[tuple[str, str, float], ...]  # aligned (party token, list token, sim)


Token = tuple[str, str, str]  # (as transliterated, folded, Korean surname key)


def _sim(a: Token, b: Token) -> float:
    # The folded key meets romanisation variants; the raw spelling keeps a transposition
    # typo close ("Grgioriy" vs "Grigoriy") that folding can push apart; two spellings
    # of one Korean surname (Ri, Lee) are the same word.
    if a[1] == b[1] or (a[2] and a[2] == b[2]):
        return 1.0
    return max(
        float(Indel.normalized_similarity(a[1], b[1])),
        float(Indel.normalized_similarity(a[0], b[0])),
    )


def _best_against(token: Token, others: list[Token]) -> float:
    return max((_sim(token, o) for o in others), default=0.0)


def _merge_adjacent(tokens: list[Token], others: list[Token]) -> list[Token]:
    """Join neighbours whose join matches a token of ``others`` better than either part
    (repeatedly, so three syllables can meet one romanised word)."""
    tokens = list(tokens)
    i = 0
    while i < len(tokens) - 1:
        joined = (tokens[i][0] + tokens[i + 1][0], tokens[i][1] + tokens[i + 1][1], "")
        gain = _best_against(joined, others)
        if gain >= SAME_WORD and gain > max(
            _best_against(tokens[i], others), _best_against(tokens[i + 1], others)
        ):
            tokens[i : i + 2] = [joined]
        else:
            i += 1
    return tokens


def _align(a: list[Token], b: list[Token]) -> list[tuple[int, int, float]]:
    scored = sorted(
        ((_sim(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for sim, i, j in scored:
        if sim < PAIR_MIN:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, sim))
    return pairs


def _rotation_similarity(a: list[Token], b: list[Token]) -> float:
    """Joined names compared in every rotation of the party's words (surname first or
    last); a surname spelled two ways counts as its key on both sides."""
    a_keys = [t[2] or t[1] for t in a]
    b_keys = [t[2] or t[1] for t in b]
    return _rotated(a_keys, b_keys)


def _rotated(a: list[str], b: list[str]) -> float:
    target = "".join(b)
    return max(
        float(Indel.normalized_similarity("".join(a[k:] + a[:k]), target)) for k in range(len(a))
    )


def compare_names(party: NameForm, listed: NameForm) -> NameComparison:
    """Compare a party's name with one listed name or alias (both already normalised)."""
    a = list(zip(party.tokens, party.folded, party.surnames, strict=True))
    b = list(zip(listed.tokens, listed.folded, listed.surnames, strict=True))
    if not a or not b:
        return NameComparison(0.0, 0.0, 0.0, 0.0, 0, 0, ())
    if len(a) > len(b):
        a = _merge_adjacent(a, b)
    elif len(b) > len(a):
        b = _merge_adjacent(b, a)
    pairs = _align(a, b)
    len_a = sum(len(t[1]) for t in a) or 1
    len_b = sum(len(t[1]) for t in b) or 1
    strong = [(i, j, s) for i, j, s in pairs if s >= SAME_WORD]
    cov_a = sum(len(a[i][1]) for i, _, _ in strong) / len_a
    cov_b = sum(len(b[j][1]) for _, j, _ in strong) / len_b
    # Letter-weighted similarity of the alignment; unpaired tokens count as 0.
    aligned = sum(s * (len(a[i][1]) + len(b[j][1])) for i, j, s in pairs) / (len_a + len_b)
    paired_letters = sum(len(a[i][1]) + len(b[j][1]) for i, j, _ in pairs)
    paired = aligned * (len_a + len_b) / paired_letters if paired_letters else 0.0
    left_a = len(a) - len(strong)
    left_b = len(b) - len(strong)
    short_cov, long_cov = (cov_a, cov_b) if len_a <= len_b else (cov_b, cov_a)
    rotation = _rotation_similarity(a, b)
    return NameComparison(
        similarity=max(aligned, rotation),
        paired=paired,
        coverage_short=short_cov,
        coverage_long=long_cov,
        conflicts=min(left_a, left_b),
        dropped=abs(left_a - left_b),
        pairs=tuple((a[i][0], b[j][0], round(s, 2)) for i, j, s in sorted(pairs)),
    )
