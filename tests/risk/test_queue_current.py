"""The office queue reads each item's current row (issue 19, queue server time): the
latest scoring, the latest lane override, the latest inspection and assignment, and only
items whose declaration is stored. Checked against a plain-Python reading of the same
tables for every filter and sort, on both dialects, because the queue's one-pass query
(an anti-join, conditions in a chosen order) must give what "current" means in
``risk.assessments``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opencustoms.db import Base, make_engine, migrate
from opencustoms.declarations.models import declarations
from opencustoms.declarations.service import ingest_file
from opencustoms.risk.lanes import SELECTED_LANES, Capacity, CapacityPlan
from opencustoms.risk.models import (
    risk_assessments,
    risk_assignments,
    risk_inspections,
    risk_lane_overrides,
)
from opencustoms.risk.queue import QueueFilter, QueueItem, queue
from opencustoms.settings import BUNDLED_DATA_DIR

OFFICE = "40"
DAYS = [dt.date(2021, 1, 4), dt.date(2021, 1, 5), dt.date(2021, 1, 6)]
PLAN = CapacityPlan(
    defaults=Capacity(red=1, yellow=1, blue=1),
    offices={OFFICE: Capacity(red=3, yellow=3, blue=2)},
    min_score={"red": 0.5, "yellow": 0.3, "blue": 0.2},
)
LANES = ["red", "yellow", "blue", "green"]


class Store(NamedTuple):
    engine: sa.Engine
    ids: list[str]


def _assess(conn: sa.Connection, decl: str, score: float, lane: str, day: dt.date) -> None:
    conn.execute(
        sa.insert(risk_assessments).values(
            declaration_id=decl,
            item_no=1,
            office_id=OFFICE,
            declaration_date=day,
            model_version="t",
            score=score,
            model_score=score,
            critical_score=0.0,
            revenue_at_risk=round((1 - score) * 1_000_000, 2),  # not in score order
            lane=lane,
            exploration=False,
            reasons=[],
            rules_fired=[],
        )
    )


def _override(conn: sa.Connection, decl: str, lane: str) -> None:
    conn.execute(
        sa.insert(risk_lane_overrides).values(
            declaration_id=decl, item_no=1, previous_lane=None, lane=lane, reason="t", user="sup"
        )
    )


def _inspect(conn: sa.Connection, decl: str, fraud: bool) -> None:
    conn.execute(
        sa.insert(risk_inspections).values(
            declaration_id=decl,
            item_no=1,
            fraud=fraud,
            critical=False,
            additional_duty=0.0,
            officer="t",
        )
    )


def _assign(conn: sa.Connection, decl: str, officer: str | None) -> None:
    conn.execute(
        sa.insert(risk_assignments).values(
            declaration_id=decl, item_no=1, office_id=OFFICE, officer=officer, assigned_by="sup"
        )
    )


@pytest.fixture()
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(database_url)
    migrate(engine)
    raw = pd.read_csv(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", dtype=str)
    rows = raw[raw["Office ID"] == OFFICE].head(16)
    src = tmp_path / "slice.csv"
    rows.to_csv(src, index=False)
    ingest_file(path=src, profile="kcs", engine=engine)
    ids = rows["Declaration ID"].tolist()
    with engine.begin() as conn:
        # Every item scored once, in every lane, on three days, distinct scores.
        for n, decl in enumerate(ids):
            _assess(conn, decl, 0.9 - n * 0.05, LANES[n % 4], DAYS[n % 3])
    yield Store(engine, ids)
    engine.dispose()


def _page(store: Store, limit: int = 50, offset: int = 0, **flt: Any) -> tuple[int, list[Any]]:
    total, items, _ = queue(
        engine=store.engine,
        office=OFFICE,
        flt=QueueFilter(**flt),
        limit=limit,
        offset=offset,
        plan=PLAN,
    )
    return total, items


def _one(store: Store, decl: str) -> QueueItem | None:
    found = [i for i in _page(store, lane="all", status="all")[1] if i.declaration_id == decl]
    assert len(found) <= 1, found  # never an item twice (an old scoring beside the new)
    return found[0] if found else None


def test_a_rescored_item_shows_its_latest_scoring(store: Store) -> None:
    red, green = store.ids[0], store.ids[3]  # scored red 0.90 and green 0.75
    with store.engine.begin() as conn:
        _assess(conn, red, 0.12, "green", DAYS[0])  # re-scored: now green
        _assess(conn, green, 0.66, "red", DAYS[0])  # re-scored: now red
    now_green, now_red = _one(store, red), _one(store, green)
    assert now_green is not None and (now_green.score, now_green.lane) == (0.12, "green")
    assert now_red is not None and (now_red.score, now_red.lane) == (0.66, "red")
    selected = {i.declaration_id for i in _page(store)[1]}
    assert red not in selected and green in selected
    # the count is of items, not of scorings
    assert _page(store, lane="all", status="all")[0] == len(store.ids)


def test_the_latest_override_wins(store: Store) -> None:
    yellow, red = store.ids[1], store.ids[4]
    with store.engine.begin() as conn:
        _override(conn, yellow, "green")
        _override(conn, yellow, "red")  # the supervisor changed their mind
        _override(conn, red, "red")
        _override(conn, red, "green")
    item = _one(store, yellow)
    assert item is not None
    assert (item.lane, item.scored_lane, item.overridden) == ("red", "yellow", True)
    assert item.cause == "set by a supervisor (scored yellow)"
    assert yellow in {i.declaration_id for i in _page(store, lane="red")[1]}
    assert yellow not in {i.declaration_id for i in _page(store, lane="yellow")[1]}
    selected = {i.declaration_id for i in _page(store)[1]}
    assert red not in selected and yellow in selected


def test_an_inspection_closes_the_item_and_the_latest_result_shows(store: Store) -> None:
    decl = store.ids[0]
    assert decl in {i.declaration_id for i in _page(store)[1]}
    with store.engine.begin() as conn:
        _inspect(conn, decl, fraud=False)
        _inspect(conn, decl, fraud=True)  # a later result of the same item
    assert decl not in {i.declaration_id for i in _page(store)[1]}
    inspected = _page(store, status="inspected", lane="all")[1]
    assert [i.declaration_id for i in inspected] == [decl]
    assert inspected[0].inspected and inspected[0].fraud_found is True


def test_assigned_to_reads_the_latest_assignment(store: Store) -> None:
    first, second = store.ids[0], store.ids[1]
    with store.engine.begin() as conn:
        _assign(conn, first, "alice")
        _assign(conn, first, "bob")  # handed over
        _assign(conn, second, "alice")
        _assign(conn, second, None)  # unassigned again
    assert [i.declaration_id for i in _page(store, assigned_to="bob")[1]] == [first]
    assert _page(store, assigned_to="alice") == (0, [])


def test_an_assessment_without_its_declaration_is_left_out(store: Store) -> None:
    before = _page(store, lane="all", status="all")[0]
    with store.engine.begin() as conn:
        _assess(conn, "NOT-STORED-1", 0.99, "red", DAYS[0])
    total, items = _page(store, lane="all", status="all")
    assert total == before and "NOT-STORED-1" not in {i.declaration_id for i in items}


def test_a_page_past_the_last_still_counts(store: Store) -> None:
    total, _ = _page(store, lane="all", status="all")
    assert _page(store, lane="all", status="all", limit=5, offset=100) == (total, [])
    pages = [_page(store, lane="all", status="all", limit=5, offset=o)[1] for o in (0, 5, 10)]
    ids = [i.declaration_id for p in pages for i in p]
    assert len(ids) == len(set(ids)) == min(15, total)


def _reference(store: Store, flt: QueueFilter) -> list[str]:
    """The queue's declaration ids as the tables say, read in Python."""
    with store.engine.connect() as conn:

        def latest(table: sa.Table) -> dict[tuple[str, int], Any]:
            rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
            return {(r["declaration_id"], r["item_no"]): r for r in rows}  # last one wins

        current, overrides = latest(risk_assessments), latest(risk_lane_overrides)
        inspections, assigned = latest(risk_inspections), latest(risk_assignments)
        decls = {
            (r["declaration_id"], r["item_no"]): r
            for r in conn.execute(sa.select(declarations)).mappings()
        }
    out = []
    for key, a in current.items():
        d = decls.get(key)
        lane = overrides[key]["lane"] if key in overrides else a["lane"]
        keep = [
            d is not None,
            a["office_id"] == OFFICE,
            flt.lane == "all"
            or (lane in SELECTED_LANES if flt.lane == "selected" else lane == flt.lane),
            flt.status == "all" or (key in inspections) == (flt.status == "inspected"),
            not flt.declaration or key[0].startswith(flt.declaration),
            flt.min_score is None or a["score"] >= flt.min_score,
            d is None or not flt.importer_id or d["importer_id"] == flt.importer_id,
            d is None or not flt.hs_prefix or str(d["hs_code"]).startswith(flt.hs_prefix),
            not flt.date_from or str(a["declaration_date"]) >= flt.date_from,
            not flt.date_to or str(a["declaration_date"]) <= flt.date_to,
            flt.assigned_to is None
            or (key in assigned and assigned[key]["officer"] == flt.assigned_to),
        ]
        if all(keep):
            assert d is not None
            value = {
                "score": a["score"],
                "date": str(a["declaration_date"]),
                "revenue_at_risk": a["revenue_at_risk"],
                "price": d["item_price_krw"],
            }[flt.sort]
            assert value is not None  # NULLs sort differently per dialect: none here
            out.append((value, key[0]))
    return [k for _, k in sorted(out, reverse=flt.order == "desc")]


def test_every_filter_and_sort_matches_a_plain_reading(store: Store) -> None:
    ids = store.ids
    with store.engine.begin() as conn:
        _assess(conn, ids[0], 0.31, "yellow", DAYS[0])
        _assess(conn, ids[2], 0.8, "red", DAYS[2])
        _assess(conn, ids[2], 0.45, "blue", DAYS[2])
        _override(conn, ids[5], "red")
        _override(conn, ids[6], "green")
        _inspect(conn, ids[1], fraud=True)
        _inspect(conn, ids[8], fraud=False)
        _assign(conn, ids[9], "me")
        _assign(conn, ids[12], "me")
        _assess(conn, "NOT-STORED-2", 0.5, "red", DAYS[1])
        importer, hs = conn.execute(
            sa.select(declarations.c.importer_id, declarations.c.hs_code).where(
                declarations.c.declaration_id == ids[5]
            )
        ).one()
    filters: list[dict[str, Any]] = [
        {},
        {"status": "all", "lane": "all"},
        {"status": "inspected", "lane": "all"},
        {"lane": "red"},
        {"lane": "green", "status": "all"},
        {"min_score": 0.5, "status": "all"},
        {"importer_id": importer, "lane": "all"},
        {"hs_prefix": str(hs)[:2], "lane": "all", "status": "all"},
        {"declaration": ids[3][:-1], "lane": "all"},
        {"date_from": "2021-01-05", "date_to": "2021-01-05", "lane": "all"},
        {"assigned_to": "me", "lane": "all"},
    ]
    sorts = [
        {"sort": s, "order": o}
        for s in ("score", "date", "revenue_at_risk", "price")
        for o in ("asc", "desc")
    ]
    for flt in filters + [{"lane": "all", "status": "all", **s} for s in sorts]:
        checked = QueueFilter(**flt)
        want = _reference(store, checked)
        total, items = _page(store, **flt)
        assert (total, [i.declaration_id for i in items]) == (len(want), want), flt


def test_the_queue_index_matches_the_model(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diff if "risk_assessments" in repr(d)] == []
