"""Benchmark: the network view around a subject in a synthetic trade world, capped at 500
nodes (issue 14: "the network view stays usable with 500 nodes"): build time in the
database, expansion of one node, and layout + first render in Debian's Chromium with the
vendored cytoscape.js (cose layout, as the case page uses).

Usage: uv run python benchmarks/bench_cases_network.py [--companies 3000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from _machine import machine_report
from opencustoms.cases.network import build_network
from opencustoms.db import make_engine, migrate
from opencustoms.settings import PACKAGE_DIR

CYTOSCAPE = PACKAGE_DIR / "web" / "static" / "cytoscape.min.js"


def _fill(engine: sa.Engine, name: str, rows: list[dict[str, object]]) -> None:
    """Insert into the detector's real table (other NOT NULL columns get fillers), or into
    a minimal table of these columns when that detector is not installed."""
    if name in sa.inspect(engine).get_table_names():
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
    else:
        table = sa.Table(name, sa.MetaData(), *(
            sa.Column(k, sa.Float if isinstance(v, float) else sa.String(64))
            for k, v in rows[0].items()))  # fmt: skip
        table.create(engine)
    filler = {}
    for c in table.columns:
        if not c.nullable and c.server_default is None and c.autoincrement is not True:
            t = c.type
            filler[c.name] = (
                1 if isinstance(t, sa.Integer) else 0.0 if isinstance(t, sa.Float)
                else dt.date(2026, 1, 15) if isinstance(t, sa.Date) else "X"
            )  # fmt: skip
    full = [{**filler, **{k: v for k, v in r.items() if k in table.c}} for r in rows]
    with engine.begin() as conn:
        for i in range(0, len(full), 20_000):
            conn.execute(table.insert(), full[i : i + 20_000])
    for col in rows[0]:
        if col in table.c and len(rows) > 1000:
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS ix_b_{name}_{col} ON {name} ({col})"
                )


def make_world(engine: sa.Engine, companies: int, seed: int = 7) -> None:
    """Companies, persons (directors), wallets, transfers, FX settlements and export
    declarations (declaration store) with a few hundred foreign counterparties."""
    rng = random.Random(seed)
    n = companies
    foreign = [f"Foreign Co {i}" for i in range(max(20, n // 10))]
    _fill(
        engine,
        "world_companies",
        [{"company_id": f"C{i}", "name": f"Company {i}"} for i in range(n)],
    )
    _fill(
        engine, "world_persons", [{"person_id": f"P{i}", "name": f"Person {i}"} for i in range(n)]
    )
    _fill(engine, "world_links", [
        {"source_id": f"P{i}", "target_id": f"C{c}", "relation": "director"}
        for i in range(n) for c in rng.sample(range(n), rng.randint(1, 3))
    ])  # fmt: skip
    _fill(engine, "world_wallets", [
        {"wallet_id": f"W{i}", "exchange": "Upbit", "owner_id": f"P{i}"} for i in range(n)
    ])  # fmt: skip
    _fill(engine, "world_va_transfers", [
        {"tx_id": f"T{t}", "from_wallet": f"W{rng.randrange(n)}",
         "to_wallet": f"W{rng.randrange(n)}", "krw_value": rng.lognormvariate(15, 1)}
        for t in range(10 * n)
    ])  # fmt: skip
    _fill(engine, "world_fx_settlements", [
        {"settlement_id": f"S{t}", "company_id": f"C{rng.randrange(n)}",
         "direction": rng.choice(["in", "out"]), "counterparty_name": rng.choice(foreign),
         "amount": rng.lognormvariate(10, 1), "currency": "USD"} for t in range(7 * n)
    ])  # fmt: skip
    # Export declarations of the world profile (company_id, counterparty_name) when the
    # declaration store has those columns, else KCS-style importer/seller ids.
    cols = {c["name"] for c in sa.inspect(engine).get_columns("declarations")}
    world = {"company_id", "counterparty_name", "invoice_value"} <= cols
    _fill(engine, "declarations", [
        {"declaration_id": f"D{t}", "item_no": 1, "office_id": "40", "hs_code": "8471300000",
         "declaration_date": dt.date(2026, 1, 10), "direction": "export" if world else "import",
         **({"company_id": f"C{int(rng.paretovariate(1.2)) % n}",
             "counterparty_name": rng.choice(foreign), "invoice_value": rng.lognormvariate(9, 1),
             "currency": "USD"} if world else
            {"importer_id": f"C{int(rng.paretovariate(1.2)) % n}",
             "seller_id": rng.choice(foreign), "item_price_krw": rng.lognormvariate(15, 1)})}
        for t in range(20 * n)
    ])  # fmt: skip


def render_ms(elements: list[dict[str, object]]) -> tuple[float, float]:
    """Layout + first paint of the elements in headless Chromium; (layout ms, total ms)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_content("<div id='cy' style='width:1200px;height:800px'></div>")
        page.add_script_tag(path=str(CYTOSCAPE))
        result = page.evaluate(
            """(elements) => new Promise((done) => {
              const t0 = performance.now();
              const cy = cytoscape({container: document.getElementById('cy'), elements,
                textureOnViewport: true, hideEdgesOnViewport: true,
                style: [{selector: 'node', style: {label: 'data(label)', 'font-size': 8,
                         'min-zoomed-font-size': 6}},
                        {selector: 'edge', style: {label: 'data(label)', 'font-size': 6,
                         'min-zoomed-font-size': 8, 'curve-style': 'haystack'}}]});
              // The case page's choice: cose (force-directed) up to 150 nodes, rings by hop
              // (concentric) above, where cose took 28-37 s for 500 nodes on this machine.
              const n = cy.nodes().length;
              const layout = cy.layout(n > 150
                ? {name: 'concentric', animate: false, minNodeSpacing: 6,
                   concentric: (node) => 10 - node.data('hop'), levelWidth: () => 1}
                : {name: 'cose', animate: false, numIter: 500});
              layout.one('layoutstop', () => {
                const t1 = performance.now();
                requestAnimationFrame(() => done([t1 - t0, performance.now() - t0]));
              });
              layout.run();
            })""",
            elements,
        )
        browser.close()
    return float(result[0]), float(result[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--companies", type=int, default=3000)
    ap.add_argument("--postgres", default=None)
    ap.add_argument("--max-nodes", type=int, default=500)
    args = ap.parse_args()
    url = args.postgres or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    mode = (
        f"case network around one company, 3 hops, cap {args.max_nodes} nodes, "
        f"{args.companies:,} companies, {'postgresql' if args.postgres else 'sqlite'}, 1 process"
    )
    with machine_report(mode=mode):
        migrate(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        make_world(engine, args.companies)
        print(f"world: {args.companies:,} companies, {args.companies * 37:,} edge rows "
              f"({time.perf_counter() - t0:.1f} s to build)")  # fmt: skip
        times, net = [], None
        for _ in range(5):
            t0 = time.perf_counter()
            net = build_network(engine=engine, seeds=["C1"], hops=3, max_nodes=args.max_nodes,
                                max_neighbours=200)  # fmt: skip
            times.append(time.perf_counter() - t0)
        assert net is not None
        print(f"network around C1, 3 hops, cap {args.max_nodes}: {len(net.nodes)} nodes, "
              f"{len(net.edges)} edges, truncated={net.truncated}; build median "
              f"{statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")  # fmt: skip
        closed = next(n for n in net.nodes if not n.expanded and n.type != "summary")
        t0 = time.perf_counter()
        more = build_network(engine=engine, seeds=[closed.id], hops=1)
        print(f"expand one node ({closed.id}): {len(more.nodes)} nodes in "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")  # fmt: skip
        elements = net.to_cytoscape()
        size = len(json.dumps(elements))
        if Path("/usr/bin/chromium").exists():
            layout, total = render_ms(elements)
            print(
                f"Chromium, cytoscape.js page layout of {len(net.nodes)} nodes: layout "
                f"{layout:.0f} ms, first frame {total:.0f} ms; elements JSON {size / 1024:.0f} KiB"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database: {engine.dialect.name}; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
