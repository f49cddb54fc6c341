"""Entity resolution across spellings and scripts, and the entity graph."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tradecrime.entities import Resolver, normalise
from opencustoms.tradecrime.graph import EntityGraph
from opencustoms.world.base import GeneratedWorld
from opencustoms.world.names import spelling_variant


def test_normalise_ignores_case_punctuation_legal_form_and_abbreviations() -> None:
    forms = [
        "Pacific Star Trading Co., Ltd.",
        "PACIFIC STAR TRDG CO LTD",
        "pacific star trading",
        "Pacific Star Trading Company Limited",
    ]
    assert len({normalise(f) for f in forms}) == 1
    assert normalise("Pacific Star Trading") != normalise("Pacific Stone Trading")


def test_generated_spellings_resolve_to_their_firm(small_world: GeneratedWorld) -> None:
    companies = small_world.tables["companies"]
    foreign = companies[companies["country"] != "KR"]
    resolver = Resolver(foreign)
    rng = np.random.default_rng(0)
    sample = foreign.sample(300, random_state=1)
    names = [
        spelling_variant(n, loc, rng)
        for n, loc in zip(sample["name"], sample["name_local"], strict=True)
    ]
    got = resolver.resolve(pd.Series(names), pd.Series(sample["country"].to_numpy()))
    accuracy = float((got.to_numpy() == sample["company_id"].to_numpy()).mean())
    assert accuracy >= 0.95
    # a name from another country is never matched to this one
    other = resolver.resolve(pd.Series(names[:50]), pd.Series(["ZZ"] * 50))
    assert other.isna().all()


def test_ambiguous_names_stay_unresolved() -> None:
    firms = pd.DataFrame(
        {
            "company_id": ["A", "B"],
            "name": ["Blue Bay Supply Ltd", "Blue Bay Supply Inc"],
            "name_local": [None, None],
            "country": ["HK", "HK"],
        }
    )
    assert Resolver(firms).resolve(pd.Series(["BLUE BAY SUPPLY"]), pd.Series(["HK"])).isna().all()


def test_graph_relates_firms_through_people_and_ownership() -> None:
    links = pd.DataFrame(
        {
            "source_id": ["P1", "P1", "P1", "P2", "P3"],
            "target_id": ["KC1", "KC2", "FC1", "P1", "KC9"],
            "relation": ["director", "shareholder", "owner", "family", "director"],
        }
    )
    wallets = pd.DataFrame({"wallet_id": ["W1"], "owner_id": ["P2"]})
    g = EntityGraph(links, wallets)
    assert {"KC2", "FC1", "P2"} <= g.related("KC1", 2)
    assert "KC9" not in g.related("KC1", 5)
    assert g.path("W1", "KC1") == ["W1", "P2", "P1", "KC1"]
    nodes, edges = g.neighbourhood(["KC1"], hops=1)
    assert "P1" in nodes and ("P1", "KC1", "director") in edges
