"""Textile facets: fibre of chief weight, wearer and construction move the right siblings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from opencustoms.hs.facets import QueryFacets, apply_facets, load_facets
from opencustoms.hs.service import Classifier


@pytest.mark.parametrize(
    ("text", "fibre", "explicit"),
    [
        ("women's swim bottom of 54% cotton, 36% polyester and 10% spandex", "cotton", True),
        # man-made fibres weigh together: 40 + 25 > 35
        ("shirt 35% cotton, 40% polyester, 25% rayon", "synthetic fibres", True),
        # a tie goes to the fibre of the later heading (man-made after cotton)
        ("boys T-shirts made of 50% cotton and 50% polyester", "synthetic fibres", True),
        ("jacket shell: nylon 100%", "synthetic fibres", True),
        ("men's woven shirt 60% rayon 40% polyester", "artificial fibres", True),
        ("merino pullover", "wool", True),
        ("cardigan made from cotton and nylon", "cotton", False),  # first named, not certain
        ("linen tablecloth", "flax", True),
        ("steel bolts", None, False),
    ],
)
def test_fibre_of_chief_weight(text: str, fibre: str | None, explicit: bool) -> None:
    facets = load_facets().read(text)
    assert (facets.fibre, facets.fibre_explicit) == (fibre, explicit)


@pytest.mark.parametrize(
    ("text", "wearer", "construction"),
    [
        ("boys' knit shorts", "men", "knit"),
        ("women's woven blouse", "women", "woven"),
        ("infants and toddler girls jacket", "babies", None),
        ("unisex gloves for men and women", None, None),
        ("jacket, woven shell with knit cuffs", None, None),  # both said: neither decides
        ("ladies' jersey dress", "women", "knit"),
    ],
)
def test_wearer_and_construction(text: str, wearer: str | None, construction: str | None) -> None:
    facets = load_facets().read(text)
    assert (facets.wearer, facets.construction) == (wearer, construction)


def _rows(clf: Classifier, *codes: str) -> list[int]:
    return [clf.row_of[c] for c in codes]


def test_code_facets_read_the_nomenclature(classifier: Classifier) -> None:
    cf = classifier.code_facets
    t_cotton, t_other, swim_synth, swim_other, coat_woven, bra = _rows(
        classifier, "610910", "610990", "611241", "611249", "620240", "621210"
    )
    assert cf.names_fibre["cotton"][t_cotton] and not cf.names_any_fibre[t_other]
    # 6109.90 "of textile materials (other than cotton)": a negated fibre is not named
    assert not cf.names_fibre["cotton"][t_other]
    assert cf.names_fibre["synthetic fibres"][swim_synth] and not cf.names_any_fibre[swim_other]
    assert cf.wearer[swim_synth] == 1 and cf.wearer[t_cotton] == -1  # women / unisex
    assert (cf.construction[t_cotton], cf.construction[coat_woven]) == (0, 1)  # knit / woven
    assert cf.construction[bra] == -1  # "whether or not knitted or crocheted"


def test_residual_sibling_takes_an_unnamed_fibre(classifier: Classifier) -> None:
    lex, cf = classifier.facets, classifier.code_facets
    facets = lex.read("women's swim bottom of 54% cotton, 36% polyester, 10% spandex")
    adj = lex.adjustment(facets, cf)
    assert adj is not None
    synth, other = _rows(classifier, "611241", "611249")
    # no 6112.4x sibling names cotton: the residual "other textile materials" is lifted and
    # the synthetic one, which contradicts the chief weight, is penalised
    assert adj[other] > 0 > adj[synth]


def test_penalties_only_for_wearer_and_construction(classifier: Classifier) -> None:
    lex, cf = classifier.facets, classifier.code_facets
    adj = lex.adjustment(QueryFacets(wearer="men", construction="knit"), cf)
    assert adj is not None
    tshirt, men_knit, women_knit, men_woven = _rows(
        classifier, "610910", "610510", "610610", "620520"
    )
    assert adj[tshirt] == 0 and adj[men_knit] == 0  # unisex and matching: untouched
    assert adj[women_knit] < 0 and adj[men_woven] < 0
    assert lex.adjustment(QueryFacets(), cf) is None


def test_apply_reorders_and_zero_weights_do_nothing(classifier: Classifier) -> None:
    lex, cf = classifier.facets, classifier.code_facets
    scores = np.zeros(len(classifier.index.codes), dtype=np.float32)
    t_cotton, t_other = _rows(classifier, "610910", "610990")
    scores[t_cotton], scores[t_other] = 1.0, 0.95
    facets = lex.read("boys T-shirts made of 50% cotton and 50% polyester, knit")
    moved = apply_facets(scores, facets, lex, cf)
    assert moved[t_other] > moved[t_cotton]
    off = dataclasses.replace(lex, weights=dict.fromkeys(lex.weights, 0.0))
    assert apply_facets(scores, facets, off, cf) is scores


def test_suggestions_say_which_facts_moved_them(classifier: Classifier) -> None:
    from opencustoms.hs.service import suggest

    out = suggest(text="boys T-shirts of 50% cotton and 50% polyester, knit", use_feedback=False)
    assert out[0].hs6 == "610990"
    assert "fits: synthetic fibres (chief weight)" in out[0].facets


def test_bad_facet_file_names_the_field(tmp_path: Path) -> None:
    from opencustoms.hs.facets import FACETS_FILE

    bad = tmp_path / "facets.yaml"
    bad.write_text(FACETS_FILE.read_text().replace("fibre: 0.2 ", "fibre: 2.0 "))
    with pytest.raises(ValueError, match=r"weights\.fibre must be within"):
        load_facets(bad)
    bad.write_text(FACETS_FILE.read_text().replace(r"query: '\bsilk'", "query: '(silk'"))
    with pytest.raises(ValueError, match=r"fibres\.silk\.query: invalid pattern"):
        load_facets(bad)
