"""The entity graph: companies, persons, wallets and foreign counterparties joined by the
links of ``links.csv`` (director, shareholder, employee, family, same address, owner).

Two entities are *related* when a path of at most ``max_hops`` links joins them (a firm and
its director: 1; two firms sharing a director, or a firm and a shell its director owns: 2;
through the director's spouse: 3). Wallet ownership comes from ``wallets.csv``.

>>> links = pd.DataFrame({"source_id": ["P1", "P1", "P2"], "target_id": ["KC1", "FC9", "P1"],
...                       "relation": ["director", "owner", "family"]})
>>> g = EntityGraph(links)
>>> g.related("KC1", max_hops=2) >= {"P1", "FC9"}, "P2" in g.related("KC1", max_hops=2)
(True, True)
>>> g.path("KC1", "FC9")
['KC1', 'P1', 'FC9']
"""

from __future__ import annotations

import pandas as pd
import rustworkx as rx


class EntityGraph:
    def __init__(self, links: pd.DataFrame, wallets: pd.DataFrame | None = None) -> None:
        self.g = rx.PyGraph(multigraph=False)
        self.index: dict[str, int] = {}
        edges = links[["source_id", "target_id", "relation"]].astype(str)
        if wallets is not None:
            owned = wallets.dropna(subset=["owner_id"])
            extra = pd.DataFrame(
                {
                    "source_id": owned["owner_id"].astype(str),
                    "target_id": owned["wallet_id"].astype(str),
                    "relation": "wallet",
                }
            )
            edges = pd.concat([edges, extra], ignore_index=True)
        for node in pd.unique(pd.concat([edges["source_id"], edges["target_id"]])):
            self.index[str(node)] = self.g.add_node(str(node))
        self.g.add_edges_from(
            [
                (self.index[s], self.index[t], r)
                for s, t, r in edges.itertuples(index=False)
                if s != t
            ]
        )

    def related(self, node: str, max_hops: int = 3) -> set[str]:
        """Entities within ``max_hops`` links of ``node`` (itself excluded)."""
        i = self.index.get(node)
        if i is None:
            return set()
        lengths = rx.graph_dijkstra_shortest_path_lengths(self.g, i, lambda _: 1.0)
        return {self.g[j] for j, d in lengths.items() if d <= max_hops}

    def path(self, a: str, b: str) -> list[str]:
        """Shortest chain of entities from ``a`` to ``b`` (empty when unconnected)."""
        if a not in self.index or b not in self.index:
            return []
        paths = rx.graph_dijkstra_shortest_paths(
            self.g,  # type: ignore[arg-type]  # the stub names only PyDiGraph
            self.index[a],
            target=self.index[b],
            weight_fn=lambda _: 1.0,
        )
        return [self.g[j] for j in paths[self.index[b]]] if self.index[b] in paths else []

    def neighbourhood(
        self, nodes: list[str], hops: int = 2
    ) -> tuple[list[str], list[tuple[str, str, str]]]:
        """(nodes, edges as (source, target, relation)) around ``nodes``, for the alert view."""
        keep = set(n for n in nodes if n in self.index)
        for n in list(keep):
            keep |= self.related(n, hops)
        idx = [self.index[n] for n in keep]
        sub = set(idx)
        edges = [
            (self.g[a], self.g[b], str(rel))
            for a, b, rel in self.g.weighted_edge_list()
            if a in sub and b in sub
        ]
        return sorted(keep), edges

    def relation(self, a: str, b: str) -> str | None:
        ia, ib = self.index.get(a), self.index.get(b)
        if ia is None or ib is None or not self.g.has_edge(ia, ib):
            return None
        return str(self.g.get_edge_data(ia, ib))
