"""The network around a subject: companies, persons, wallets, foreign counterparties,
declarations, settlements and parcels, expanded hop by hop from whatever tables exist.

The tables and columns come from ``data/cases/network.yaml``; a table that does not exist
(a detector not installed, no world loaded) is skipped, so this module imports no
detector's code. Each hop looks up every edge source for rows touching the frontier,
aggregates rows into one edge per (ends, relation, currency) with a count and a total, and
keeps per node and relation the ``max_neighbours`` largest; the rest become one summary
node ("212 more imported, 3.1e9 KRW"). Growth stops at ``max_nodes``; nodes whose
neighbours were not all drawn are marked ``expanded=False`` and can be expanded later
(``build_network(seeds=[that node], hops=1)``), which is how the browser view stays usable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    Engine,
    Float,
    MetaData,
    String,
    Table,
    cast,
    func,
    inspect,
    literal,
    null,
    select,
)

from opencustoms.cases.network_config import EdgeSpec, NetworkConfig, load_config

_CHUNK = 400


class Node(BaseModel):
    id: str
    type: str
    label: str
    hop: int
    expanded: bool = False
    evidence: bool = False
    count: int | None = None  # summary nodes: how many neighbours they stand for
    amount: float | None = None


class Edge(BaseModel):
    source: str
    target: str
    relation: str
    count: int
    amount: float | None
    currency: str | None


class Network(BaseModel):
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    sources: list[str] = Field(description="edge sources whose tables were found")

    def to_cytoscape(self) -> list[dict[str, Any]]:
        """Elements for cytoscape.js: edges labelled with relation, count and amount."""
        out: list[dict[str, Any]] = [{"data": n.model_dump()} for n in self.nodes]
        for i, e in enumerate(self.edges):
            label = e.relation if e.count == 1 else f"{e.relation} x{e.count}"
            if e.amount:
                label += f" {e.amount:,.0f} {e.currency or ''}".rstrip()
            out.append({"data": {**e.model_dump(), "id": f"e{i}", "label": label}})
        return out


@dataclass
class _Source:
    spec: EdgeSpec
    table: Table


def _reflect(engine: Engine, names: list[str], columns: Iterable[str]) -> Table | None:
    present = set(inspect(engine).get_table_names())
    for name in names:
        if name in present:
            table = Table(name, MetaData(), autoload_with=engine)
            if all(c in table.c for c in columns):
                return table
    return None


def _edge_columns(spec: EdgeSpec) -> list[str]:
    cols = [spec.source.column, spec.target.column]
    cols += [c for c in (spec.relation.column, spec.id) if c]
    if spec.amount:
        cols += [c for c in (spec.amount.column, spec.amount.currency_column) if c]
    return cols


def active_sources(engine: Engine, config: NetworkConfig) -> list[_Source]:
    out = []
    for spec in config.edges:
        table = _reflect(engine, spec.tables, _edge_columns(spec))
        if table is not None:
            out.append(_Source(spec, table))
    return out


def _strip(ids: Iterable[str], prefix: str) -> list[str]:
    return sorted({i[len(prefix) :] for i in ids if i.startswith(prefix)})


def _fits(node_type: str, end_type: str) -> bool:
    """Whether a node may sit at an edge end: types must agree unless one is unknown."""
    return node_type == end_type or "entity" in (node_type, end_type)


def _edge_rows(
    engine: Engine, src: _Source, frontier: dict[str, str], per: int
) -> list[tuple[str, Any]]:
    """Edges touching the frontier, aggregated per (ends, relation, currency), at most
    ``per`` per frontier node and relation (largest amounts first), each with the totals of
    its partition (neighbours, amount, rows) so the rest can be summarised.

    One indexed query per end (an OR of both ends defeats the indexes); the ranking is a
    window function, so a hub with 100,000 declarations sends ``per`` rows, not 100,000.
    ``frontier`` maps node id -> type; an end is asked only about nodes of its type.
    Returns ``(side, row)`` with side = which end is in the frontier."""
    spec, t = src.spec, src.table
    a, b = t.c[spec.source.column], t.c[spec.target.column]
    group: list[Any] = [a, b]
    rel: Any = literal(spec.relation.value, String())
    if spec.relation.column:
        rel = t.c[spec.relation.column]
        group.append(rel)
    cur: Any = cast(null(), String())
    amount: Any = cast(null(), Float())
    if spec.amount is not None:
        cur = literal(spec.amount.currency, String())
        if spec.amount.currency_column:
            cur = t.c[spec.amount.currency_column]
            group.append(cur)
        amount = func.sum(t.c[spec.amount.column])
    out: list[tuple[str, Any]] = []
    with engine.connect() as conn:
        for side, column, end in (("source", a, spec.source), ("target", b, spec.target)):
            ids = _strip((n for n, typ in frontier.items() if _fits(typ, end.type)), end.prefix)
            for i in range(0, len(ids), _CHUNK):
                g = (
                    select(
                        a.label("a"),
                        b.label("b"),
                        rel.label("rel"),
                        cur.label("cur"),
                        func.count().label("n"),
                        amount.label("amount"),
                    )
                    .where(column.in_(ids[i : i + _CHUNK]), a.is_not(None), b.is_not(None))
                    .group_by(*group)
                    .subquery()
                )
                here, there = (g.c.a, g.c.b) if side == "source" else (g.c.b, g.c.a)
                weight = func.coalesce(g.c.amount, 0.0)
                part = [here, g.c.rel]
                ranked = select(
                    g,
                    func.row_number()
                    .over(partition_by=part, order_by=[weight.desc(), g.c.n.desc(), there])
                    .label("rank"),
                    func.count().over(partition_by=part).label("k"),
                    func.sum(weight).over(partition_by=part).label("total"),
                    func.sum(g.c.n).over(partition_by=part).label("rows"),
                ).subquery()
                q = select(ranked).where(ranked.c.rank <= per)
                out.extend((side, row) for row in conn.execute(q))
    return out


def _labels(engine: Engine, config: NetworkConfig, nodes: dict[str, Node]) -> None:
    """Type and name nodes from the node tables (links do not say company or person)."""
    ids = sorted(nodes)
    for spec in config.nodes:
        cols = [spec.id] + ([spec.label] if spec.label else [])
        table = _reflect(engine, spec.tables, cols)
        if table is None:
            continue
        with engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                q = select(*(table.c[c] for c in cols)).where(
                    table.c[spec.id].in_(ids[i : i + _CHUNK])
                )
                for row in conn.execute(q):
                    node = nodes[str(row[0])]
                    node.type = spec.type
                    if spec.label and row[1]:
                        node.label = (
                            f"{row[1]} ({node.id})" if node.label == node.id else node.label
                        )


EdgeKey = tuple[str, str, str, str | None]
# Frontier nodes expanded per round of queries: growth stops as soon as the node cap is
# reached, so a third hop over hundreds of nodes usually costs one round, not all of them.
_BATCH = 50


@dataclass
class _Builder:
    engine: Engine
    sources: list[_Source]
    cap: int
    per: int
    marked: set[str]
    nodes: dict[str, Node]
    edges: dict[EdgeKey, tuple[int, float | None]]  # (count, amount) per edge
    truncated: bool = False

    def expand(self, batch: list[str], hop: int) -> list[str]:
        """Draw the neighbours of ``batch``; return the nodes added (the next frontier)."""
        around: dict[tuple[str, str], list[tuple[str, EdgeKey, float, str]]] = defaultdict(list)
        totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0])
        frontier = {n: self.nodes[n].type for n in batch}
        for src in self.sources:
            spec = src.spec
            for side, r in _edge_rows(self.engine, src, frontier, self.per):
                u, v = f"{spec.source.prefix}{r.a}", f"{spec.target.prefix}{r.b}"
                relation = f"{spec.relation.prefix}{r.rel}"
                key = (u, v, relation, r.cur)
                self.edges[key] = (int(r.n), None if r.amount is None else float(r.amount))
                here, there, typ = (u, v, spec.target.type) if side == "source" else (
                    v, u, spec.source.type)  # fmt: skip
                around[(here, relation)].append((there, key, float(r.amount or 0.0), typ))
                if r.rank == 1:  # the partition totals, once per source and side
                    t = totals[(here, relation)]
                    t[0] += int(r.k)
                    t[1] += float(r.total or 0.0)
                    t[2] += int(r.rows)
        added: list[str] = []
        complete = dict.fromkeys(batch, True)
        nodes = self.nodes
        for (here, relation), cands in sorted(around.items()):
            # Neighbours already drawn first (their edge costs no room), then by amount.
            ranked = sorted(cands, key=lambda c: (c[0] not in nodes, -c[2], c[0]))
            shown = list({c[0]: c for c in ranked}.values())[: self.per]
            for there, _, _, typ in shown:
                if there not in nodes:
                    if len(nodes) >= self.cap:
                        complete[here] = False
                        continue
                    nodes[there] = Node(
                        id=there, type=typ, label=there, hop=hop, evidence=there in self.marked
                    )
                    added.append(there)
            k, total, rows = totals[(here, relation)]
            rest = int(k) - len(shown)
            if rest > 0 and len(nodes) < self.cap:
                sid = f"more:{here}:{relation}"
                amount = max(0.0, total - sum(c[2] for c in shown))
                nodes[sid] = Node(
                    id=sid, type="summary", label=f"{rest} more {relation}", hop=hop,
                    count=rest, amount=amount,
                )  # fmt: skip
                shown_rows = sum(self.edges[c[1]][0] for c in shown)
                self.edges[(here, sid, relation, None)] = (int(rows) - shown_rows, amount or None)
            elif rest > 0:
                complete[here] = False
        for node_id, done in complete.items():
            nodes[node_id].expanded = done
            self.truncated |= not done
        # Rows towards nodes that were not drawn are dropped now, not kept until the end.
        for key in [k for k in self.edges if k[0] not in nodes or k[1] not in nodes]:
            del self.edges[key]
        return added


def build_network(
    *,
    engine: Engine,
    seeds: Iterable[str],
    hops: int = 1,
    max_nodes: int | None = None,
    max_neighbours: int | None = None,
    evidence: Iterable[str] = (),
    seed_types: Mapping[str, str] | None = None,
    config: NetworkConfig | None = None,
) -> Network:
    """The subgraph within ``hops`` of ``seeds`` (node ids), capped as the module says.
    ``seed_types`` gives known types of seeds (others start as ``entity``: any end)."""
    config = config or load_config()
    limits = config.limits
    hops = max(0, min(hops, limits.max_hops))
    marked = set(evidence)
    b = _Builder(
        engine=engine,
        sources=active_sources(engine, config),
        cap=max_nodes or limits.max_nodes,
        per=max_neighbours or limits.max_neighbours,
        marked=marked,
        nodes={},
        edges={},
    )
    for seed in dict.fromkeys(s for s in seeds if s):
        if len(b.nodes) < b.cap:
            typ = (seed_types or {}).get(seed, "entity")
            b.nodes[seed] = Node(id=seed, type=typ, label=seed, hop=0, evidence=seed in marked)
    frontier = list(b.nodes)
    for hop in range(1, hops + 1):
        nxt: list[str] = []
        for i in range(0, len(frontier), _BATCH):
            if len(b.nodes) >= b.cap:
                # The rest of the frontier stays unexpanded: the browser can grow it.
                b.truncated = True
                break
            nxt += b.expand(frontier[i : i + _BATCH], hop)
        frontier = nxt
    _labels(engine, config, b.nodes)
    return Network(
        nodes=list(b.nodes.values()),
        edges=[
            Edge(source=u, target=v, relation=rel, count=n, amount=amt, currency=cur)
            for (u, v, rel, cur), (n, amt) in b.edges.items()
        ],
        truncated=b.truncated,
        sources=[s.spec.name for s in b.sources],
    )


def seeds_from_evidence(
    *, engine: Engine, evidence: dict[str, list[str]], config: NetworkConfig | None = None
) -> dict[str, str]:
    """Node ids to start from, with their types: evidence ids that are nodes (the kinds in
    ``evidence_types``: declarations, parcels, ...) and both ends of evidence ids that are
    edges (a virtual-asset transfer's two wallets); other kinds seed nothing."""
    config = config or load_config()
    seeds: dict[str, str] = {}
    edge_kinds: dict[str, _Source] = {}
    for src in active_sources(engine, config):
        if src.spec.evidence and src.spec.id:
            edge_kinds[src.spec.evidence] = src
    for kind, ids in evidence.items():
        found = edge_kinds.get(kind)
        if found is None or found.spec.id is None:
            # Kinds whose ids are not node ids (a detector's path strings, say) stay
            # evidence in the case file but do not seed the graph.
            if kind in config.evidence_types:
                typ = config.evidence_types[kind]
                seeds.update({i: typ for i in ids if i not in seeds})
            continue
        spec, t, id_column = found.spec, found.table, found.spec.id
        with engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                q = select(t.c[spec.source.column], t.c[spec.target.column]).where(
                    t.c[id_column].in_(ids[i : i + _CHUNK])
                )
                for a, b in conn.execute(q):
                    seeds.setdefault(f"{spec.source.prefix}{a}", spec.source.type)
                    seeds.setdefault(f"{spec.target.prefix}{b}", spec.target.type)
    return seeds
