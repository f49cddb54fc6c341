"""Reason wording (issue 19): direction and magnitude, never contradictory."""

from __future__ import annotations

import math
import re

import numpy as np

from opencustoms.risk.explain import (
    GROUP_NAMES,
    data_notes,
    effect_text,
    factor_text,
    ratio_text,
    reasons_text,
    strength,
)
from opencustoms.risk.history import GLOBAL, KEYS, STATS, S


def _stats(**per_key: dict[str, float]) -> dict[str, np.ndarray]:
    out = {k: np.zeros((1, len(STATS))) for k in (*KEYS, GLOBAL)}
    for key, values in per_key.items():
        for name, v in values.items():
            out[key][0, S[name]] = v
    return out


def test_a_unit_value_near_its_benchmark_is_said_to_be_close_with_precision() -> None:
    luv = math.log(1000.0)
    stats = _stats(hs6_origin={"luv_n": 40, "luv_sum": 40 * (luv - math.log(1.04))})
    text = factor_text("unit_value", {"log_unit_value": luv, "hs6": "851712"}, stats, 0)
    assert "close to the HS 851712 x origin average (1.04x, 40 items" in text
    assert "price and mass levels" in text  # what drives the weight, said honestly
    assert not re.search(r"\b1x\b", text)


def test_ratios_keep_the_precision_their_size_needs() -> None:
    assert [ratio_text(r) for r in (0.0042, 0.35, 1.08, 4095.2)] == [
        "0.0042x",
        "0.35x",
        "1.08x",
        "4,095x",
    ]


def test_strength_and_effect_words() -> None:
    assert [strength(w) for w in (0.05, -0.4, 1.2)] == ["slightly", "moderately", "strongly"]
    assert effect_text(0.5) == "moderately raises risk"
    assert effect_text(-0.001) == "no effect on this score"
    assert effect_text(None) == "effect on the score not computed for this row"


def test_a_first_declaration_note_says_what_it_does_to_the_score() -> None:
    row = {"seller_id": "NEW", "importer_id": None}
    stats = _stats()
    weights = np.zeros(len(GROUP_NAMES))
    weights[GROUP_NAMES.index("seller")] = 1.3
    weights[GROUP_NAMES.index("importer")] = -0.2
    notes = data_notes(row, stats, 0, weights)
    assert "first declaration of this seller (strongly raises risk)" in notes
    assert "importer missing (slightly lowers risk)" in notes
    assert all(n.endswith(")") for n in notes)  # every note carries an effect
    unexplained = data_notes(row, stats, 0)
    assert "first declaration of this seller (effect on the score not computed for this row)" in (
        unexplained
    )


def test_reasons_text_gives_strength_and_reads_reasons_stored_before_it() -> None:
    new = {"kind": "model", "text": "t", "effect": "raises risk", "strength": "strongly"}
    old = {"kind": "model", "text": "t", "effect": "lowers risk"}
    assert reasons_text([new, old]) == ["t (strongly raises risk)", "t (lowers risk)"]
