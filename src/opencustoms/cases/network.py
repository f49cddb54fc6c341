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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, MetaData, Table, func, inspect, literal, select

from opencustoms.settings import PACKAGE_DATA_DIR

NETWORK_FILE = PACKAGE_DATA_DIR / "cases" / "network.yaml"
_CHUNK = 400
_ROW_CAP = 200_000  # per source and hop; beyond it the hop is marked truncated


class EndSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    type: str
    prefix: str = ""


class RelationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str | None = None
    value: str | None = None
    prefix: str = ""


class AmountSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    currency: str | None = None
    currency_column: str | None = None


class EdgeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tables: list[str]
    source: EndSpec
    target: EndSpec
    relation: RelationSpec
    amount: AmountSpec | None = None
    id: str | None = None
    evidence: str | None = None


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tables: list[str]
    id: str
    type: str
    label: str | None = None


class Limits(BaseModel):
    max_nodes: int = Field(gt=0)
    max_hops: int = Field(gt=0)
    max_neighbours: int = Field(gt=0)
    reference: str


class NetworkConfig(BaseModel):
    valid_from: str | Any
    reference: str
    nodes: list[NodeSpec]
    edges: list[EdgeSpec]
    limits: Limits


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> NetworkConfig:
    return NetworkConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_config(path: Path | None = None) -> NetworkConfig:
    file = path or NETWORK_FILE
    return _load(file, file.stat().st_mtime)


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


def _edge_rows(engine: Engine, src: _Source, frontier: set[str]) -> tuple[list[Any], bool]:
    """Aggregated (source, target, relation, currency, count, amount) rows touching the
    frontier on either end: one indexed query per end (an OR of both ends defeats the
    indexes), each row once."""
    spec, t = src.spec, src.table
    a, b = t.c[spec.source.column], t.c[spec.target.column]
    rel = t.c[spec.relation.column] if spec.relation.column else literal(spec.relation.value)
    if spec.amount is None:
        cur: Any = literal(None)
        amount: Any = literal(None)
    else:
        cur = (
            t.c[spec.amount.currency_column]
            if spec.amount.currency_column
            else literal(spec.amount.currency)
        )
        amount = func.sum(t.c[spec.amount.column])
    rows: dict[tuple[Any, ...], Any] = {}
    with engine.connect() as conn:
        for column, ids in ((a, _strip(frontier, spec.source.prefix)),
                            (b, _strip(frontier, spec.target.prefix))):  # fmt: skip
            for i in range(0, len(ids), _CHUNK):
                q = (
                    select(a, b, rel, cur, func.count(), amount)
                    .where(column.in_(ids[i : i + _CHUNK]), a.is_not(None), b.is_not(None))
                    .group_by(a, b, rel, cur)
                    .limit(_ROW_CAP - len(rows) + 1)
                )
                for row in conn.execute(q):
                    rows[tuple(row[:4])] = row
                if len(rows) > _ROW_CAP:
                    return list(rows.values())[:_ROW_CAP], True
    return list(rows.values()), False


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


def build_network(
    *,
    engine: Engine,
    seeds: Iterable[str],
    hops: int = 1,
    max_nodes: int | None = None,
    max_neighbours: int | None = None,
    evidence: Iterable[str] = (),
    config: NetworkConfig | None = None,
) -> Network:
    """The subgraph within ``hops`` of ``seeds`` (node ids), capped as the module says."""
    config = config or load_config()
    limits = config.limits
    hops = max(0, min(hops, limits.max_hops))
    cap = max_nodes or limits.max_nodes
    per = max_neighbours or limits.max_neighbours
    sources = active_sources(engine, config)
    marked = set(evidence)
    nodes: dict[str, Node] = {}
    for seed in dict.fromkeys(s for s in seeds if s):
        if len(nodes) < cap:
            nodes[seed] = Node(id=seed, type="entity", label=seed, hop=0, evidence=seed in marked)
    edges: dict[tuple[str, str, str, str | None], Edge] = {}
    truncated = False
    frontier = set(nodes)
    for hop in range(1, hops + 1):
        if not frontier or len(nodes) >= cap:
            # Nothing left to draw: the frontier stays unexpanded for the browser to grow.
            truncated |= bool(frontier)
            break
        # (frontier node, relation) -> neighbour -> [edge key, sort amount]
        around: dict[tuple[str, str], dict[str, list[Any]]] = defaultdict(dict)
        for src in sources:
            rows, cut = _edge_rows(engine, src, frontier)
            truncated |= cut
            spec = src.spec
            for a, b, rel, cur, n, amount in rows:
                u, v = f"{spec.source.prefix}{a}", f"{spec.target.prefix}{b}"
                relation = f"{spec.relation.prefix}{rel}"
                key = (u, v, relation, cur)
                e = edges.get(key) or Edge(
                    source=u, target=v, relation=relation, count=0, amount=None, currency=cur
                )
                if key not in edges:
                    e.count, e.amount = int(n), (float(amount) if amount is not None else None)
                    edges[key] = e
                for here, there, end in ((u, v, spec.target), (v, u, spec.source)):
                    if here in frontier:
                        slot = around[(here, relation)].setdefault(there, [key, 0.0, end.type])
                        slot[1] += abs(e.amount or 0.0) + e.count * 1e-9
        keep_edges: set[tuple[str, str, str, str | None]] = set()
        nxt: set[str] = set()
        complete: dict[str, bool] = dict.fromkeys(frontier, True)
        for (here, relation), neigh in sorted(around.items()):
            # Neighbours already drawn first (their edge costs no room), then by amount.
            ranked = sorted(neigh.items(), key=lambda kv: (kv[0] not in nodes, -kv[1][1], kv[0]))
            shown, rest = ranked[:per], ranked[per:]
            for there, (key, _, typ) in shown:
                if there not in nodes:
                    if len(nodes) >= cap:
                        complete[here], truncated = False, True
                        continue
                    nodes[there] = Node(
                        id=there, type=typ, label=there, hop=hop, evidence=there in marked
                    )
                    nxt.add(there)
                keep_edges.add(key)
            if rest and len(nodes) < cap:
                sid = f"more:{here}:{relation}"
                total = sum(edges[k].amount or 0.0 for _, (k, _, _) in rest)
                nodes[sid] = Node(
                    id=sid,
                    type="summary",
                    label=f"{len(rest)} more {relation}",
                    hop=hop,
                    count=len(rest),
                    amount=total,
                )
                edges[(here, sid, relation, None)] = Edge(
                    source=here,
                    target=sid,
                    relation=relation,
                    count=sum(edges[k].count for _, (k, _, _) in rest),
                    amount=total or None,
                    currency=None,
                )
                keep_edges.add((here, sid, relation, None))
            elif rest:
                complete[here], truncated = False, True
        for node_id, done in complete.items():
            nodes[node_id].expanded = done
        # Edges seen this hop survive only between drawn nodes.
        for key in list(edges):
            if key not in keep_edges and not (key[0] in nodes and key[1] in nodes):
                del edges[key]
        frontier = nxt
    _labels(engine, config, nodes)
    return Network(
        nodes=list(nodes.values()),
        edges=[e for e in edges.values() if e.source in nodes and e.target in nodes],
        truncated=truncated,
        sources=[s.spec.name for s in sources],
    )


def seeds_from_evidence(
    *, engine: Engine, evidence: dict[str, list[str]], config: NetworkConfig | None = None
) -> list[str]:
    """Node ids to start from: evidence ids that are nodes (declarations, parcels, ...) and
    both ends of evidence ids that are edges (a virtual-asset transfer's two wallets)."""
    config = config or load_config()
    seeds: list[str] = []
    edge_kinds: dict[str, _Source] = {}
    for src in active_sources(engine, config):
        if src.spec.evidence and src.spec.id:
            edge_kinds[src.spec.evidence] = src
    for kind, ids in evidence.items():
        found = edge_kinds.get(kind)
        if found is None or found.spec.id is None:
            seeds.extend(ids)
            continue
        spec, t, id_column = found.spec, found.table, found.spec.id
        with engine.connect() as conn:
            for i in range(0, len(ids), _CHUNK):
                q = select(t.c[spec.source.column], t.c[spec.target.column]).where(
                    t.c[id_column].in_(ids[i : i + _CHUNK])
                )
                for a, b in conn.execute(q):
                    seeds += [f"{spec.source.prefix}{a}", f"{spec.target.prefix}{b}"]
    return list(dict.fromkeys(seeds))
