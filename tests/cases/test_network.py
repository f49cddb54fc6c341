"""The network builder over a small world: hops, labels, amounts, caps, summary nodes,
evidence seeds, and tables that do not exist."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from opencustoms.cases.network import build_network, seeds_from_evidence
from opencustoms.db import make_engine

from .conftest import fill, make_world


def _edges(net: object) -> set[tuple[str, str, str]]:
    return {(e.source, e.relation, e.target) for e in net.edges}  # type: ignore[attr-defined]


def test_missing_tables_and_columns_are_skipped(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bare.sqlite'}")
    net = build_network(engine=engine, seeds=["C1"], hops=2)
    assert [n.id for n in net.nodes] == ["C1"] and net.edges == [] and net.sources == []
    # A links table without a relation column cannot say what the edge is: not used.
    fill(engine, "world_links", [{"source_id": "P1", "target_id": "C1"}])
    fill(engine, "world_wallets", [{"wallet_id": "W1", "exchange": "Upbit", "owner_id": "C1"}])
    net = build_network(engine=engine, seeds=["C1"], hops=1)
    assert net.sources == ["wallet_owner"]
    assert {(e.source, e.relation, e.target) for e in net.edges} == {("C1", "owns_wallet", "W1")}


def test_hops_types_labels_and_amounts(engine: Engine) -> None:
    make_world(engine, hub_declarations=3)
    one = build_network(engine=engine, seeds=["C1"], hops=1)
    nodes = {n.id: n for n in one.nodes}
    assert nodes["P1"].type == "person" and nodes["P1"].label == "Kim Minsu (P1)"
    assert nodes["C1"].type == "company" and nodes["S1"].type == "settlement"
    assert nodes["D0"].type == "declaration" and nodes["C1"].expanded
    assert ("P1", "director", "C1") in _edges(one)
    assert ("C1", "fx_in", "S1") in _edges(one)
    assert "C2" not in nodes and "W1" not in nodes  # two hops away
    two = build_network(engine=engine, seeds=["C1"], hops=2)
    nodes2 = {n.id: n for n in two.nodes}
    assert {"C2", "W1", "cp:ACME GmbH"} <= set(nodes2)
    assert nodes2["cp:ACME GmbH"].type == "foreign_counterparty"
    three = build_network(engine=engine, seeds=["C1"], hops=3)
    transfer = next(e for e in three.edges if e.relation == "va_transfer")
    # Three transfers W1 -> W2 become one edge with a count and a total.
    assert (transfer.source, transfer.target, transfer.count) == ("W1", "W2", 3)
    assert transfer.amount == 3e7 and transfer.currency == "KRW"
    label = next(
        el["data"]["label"]
        for el in three.to_cytoscape()
        if el["data"].get("relation") == "va_transfer"
    )
    assert label == "va_transfer x3 30,000,000 KRW"


def test_a_hub_is_summarised_and_the_node_cap_holds(engine: Engine) -> None:
    make_world(engine, hub_declarations=300)
    net = build_network(engine=engine, seeds=["C1"], hops=1, max_neighbours=10)
    declared = [e for e in net.edges if e.relation == "imported"]
    drawn = [e for e in declared if not e.target.startswith("more:")]
    summary = next(n for n in net.nodes if n.type == "summary")
    assert len(drawn) == 10 and summary.count == 290
    # Largest values first: D299 (1299 USD) down to D290.
    assert {e.target for e in drawn} == {f"D{i}" for i in range(290, 300)}
    capped = build_network(engine=engine, seeds=["C1"], hops=2, max_nodes=8, max_neighbours=500)
    assert len(capped.nodes) == 8 and capped.truncated
    assert not next(n for n in capped.nodes if n.id == "C1").expanded


def test_progressive_expansion_from_one_node(engine: Engine) -> None:
    make_world(engine, hub_declarations=3)
    net = build_network(engine=engine, seeds=["W1"], hops=1)
    assert {n.id for n in net.nodes} == {"W1", "W2", "P1"}


def test_evidence_seeds_resolve_transfers_to_wallets(engine: Engine) -> None:
    make_world(engine, hub_declarations=3)
    seeds = seeds_from_evidence(
        engine=engine,
        evidence={"va_transfers": ["T1", "T2"], "declarations": ["D1"], "links": ["P1 - C1"]},
    )
    assert seeds == {"W1": "wallet", "W2": "wallet", "D1": "declaration"}
