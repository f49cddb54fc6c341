"""Textile-material lift: fibre words in the query favour the subheadings naming that fibre."""

from __future__ import annotations

import dataclasses

import numpy as np

from opencustoms.hs.knowledge import load_knowledge
from opencustoms.hs.materials import load_materials, material_lift

CODES = ["610910", "610990", "611011", "611030", "611090"]


def test_trade_words_map_to_fibres() -> None:
    lex = load_materials()
    assert lex.named_in("Men's jacket, shell 100% nylon") == ["man-made fibres"]
    assert lex.named_in("merino pullover") == ["wool"]
    assert lex.named_in("linen tablecloth") == ["flax"]
    assert lex.named_in("steel bolts") == []


def test_negated_mentions_do_not_count() -> None:
    masks = load_materials().code_mask(load_knowledge(), CODES)
    # 6109.90 is "of textile materials (other than cotton)": it does not name cotton.
    assert masks["cotton"].tolist() == [True, False, False, False, False]
    assert masks["wool"].tolist() == [False, False, True, False, False]
    assert masks["man-made fibres"].tolist() == [False, False, False, True, False]


def test_lift_reorders_only_for_named_fibres() -> None:
    lex = load_materials()
    masks = lex.code_mask(load_knowledge(), CODES)
    scores = np.array([0.5, 0.5, 0.5, 0.99, 1.0], dtype=np.float32)
    lifted = material_lift(scores, "acrylic cardigan", lex, masks)
    assert CODES[int(np.argmax(lifted))] == "611030"
    assert material_lift(scores, "cardigan", lex, masks) is scores
    off = dataclasses.replace(lex, weight=0.0)
    assert material_lift(scores, "acrylic cardigan", off, masks) is scores
