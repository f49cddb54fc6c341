"""Storing a world folder: loss-free on both dialects, re-delivery = duplicates, changed
rows under a stored key quarantined (never overwritten)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from opencustoms.db import make_engine
from opencustoms.declarations.models import declarations
from opencustoms.world.intake import intake_world
from opencustoms.world.models import world_quarantine, world_tables


def test_intake_is_loss_free_and_idempotent(
    world_dir: Path, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "w"
    shutil.copytree(world_dir, folder)
    links = pd.read_csv(folder / "links.csv", dtype=str, keep_default_na=False)
    links.loc[0, "relation"] = "cousin"
    links.to_csv(folder / "links.csv", index=False)
    engine = make_engine(database_url)
    first = intake_world(folder=folder, engine=engine)
    for name, c in first.items():
        assert c["input"] == c["stored"] + c["quarantined"] + c["duplicates"], name
    assert first["links"]["quarantined"] == 1
    with engine.connect() as conn:
        n_links = conn.execute(select(func.count()).select_from(world_tables["links"])).scalar()
        n_decl = conn.execute(select(func.count()).select_from(declarations)).scalar()
        reasons = conn.execute(select(world_quarantine.c.reasons)).scalars().all()
        stored = conn.execute(
            select(declarations.c.company_id, declarations.c.invoice_value)
        ).first()
    assert n_links == len(links) - 1 and n_decl == first["declarations"]["stored"]
    assert reasons[0][0]["field"] == "relation"
    assert stored is not None and stored[0].startswith("KC") and stored[1] > 0
    # a re-delivery stores nothing new; a changed amount under a stored key is a conflict
    pay = pd.read_csv(folder / "fx_settlements.csv", dtype=str, keep_default_na=False)
    pay.loc[3, "amount"] = "1.00"
    pay.to_csv(folder / "fx_settlements.csv", index=False)
    again = intake_world(folder=folder, engine=engine)
    assert again["companies"]["stored"] == 0 and again["companies"]["duplicates"] == len(
        pd.read_csv(folder / "companies.csv")
    )
    assert again["fx_settlements"]["conflicts"] == 1 and again["fx_settlements"]["stored"] == 0
    assert again["declarations"]["stored"] == 0
