"""File-level screening services used by the command line and the web face.

``screen_files`` reads a list and a parties file and returns the matches above the review
threshold; ``screen_world`` reads a trade-world folder and returns strategic-goods and
sanctioned-counterparty alerts in the alert-file format.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "sanctions.csv").write_text(
...     "entity_id,schema,name,aliases,country,birth_date,program,listed_on\\n"
...     "E1,Company,Tekhnosfera LLC,ООО «Техносфера»,RU,,EU-RUS,2023-02-25\\n", encoding="utf-8")
>>> _ = (folder / "parties.csv").write_text(
...     "party_id,name,country,birth_date,role,declaration_id\\n"
...     "P1,OOO Tekhnosfera,RU,,consignee,D1\\nP2,Nordwerk GmbH,DE,,consignee,D2\\n",
...     encoding="utf-8")
>>> result = screen_files(folder / "sanctions.csv", folder / "parties.csv")
>>> result.matches[["party_id", "entity_id"]].values.tolist(), result.summary["parties"]
([['P1', 'E1']], 2)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from opencustoms.errors import InvalidInput
from opencustoms.screening.index import BlockingIndex
from opencustoms.screening.lists import read_parties, read_sanctions
from opencustoms.screening.matcher import load_review_threshold
from opencustoms.screening.screen import matches_frame, screen
from opencustoms.settings import get_settings


def review_threshold() -> float:
    """The configured review threshold (setting), else the one fitted with the matcher."""
    configured = get_settings().screening_review_threshold
    return load_review_threshold() if configured is None else float(configured)


@dataclass
class Screened:
    matches: pd.DataFrame
    quarantine: pd.DataFrame  # file, row, reasons (list rows and party rows not used)
    summary: dict[str, Any]


def _rejects(name: str, rejected: list[Any]) -> list[dict[str, Any]]:
    return [{"file": name, "row": r.row, "reasons": "; ".join(r.reasons)} for r in rejected]


def screen_files(
    list_path: str | Path,
    parties_path: str | Path,
    *,
    threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Screened:
    """Screen every party of ``parties_path`` against the list at ``list_path``."""
    threshold = review_threshold() if threshold is None else threshold
    if not 0.0 <= threshold <= 1.0:
        raise InvalidInput("threshold", f"{threshold} is not between 0 and 1")
    start = time.perf_counter()
    loaded = read_sanctions(list_path)
    if not loaded.entities:
        raise InvalidInput("list", f"{Path(list_path).name}: no usable entity")
    parties, rejected = read_parties(parties_path)
    index = BlockingIndex(loaded.entities)
    found = screen(parties, index, threshold=threshold, progress=progress)
    frame = matches_frame(found, loaded.version)
    quarantine = pd.DataFrame(
        _rejects(Path(list_path).name, loaded.quarantine)
        + _rejects(Path(parties_path).name, rejected),
        columns=["file", "row", "reasons"],
    )
    summary = {
        "list": {
            "source": loaded.version.source,
            "version": loaded.version.version,
            "published": loaded.version.published,
            "entities": len(loaded.entities),
            "quarantined": len(loaded.quarantine),
        },
        "parties": len(parties),
        "parties_quarantined": len(rejected),
        "matches": len(frame),
        "parties_matched": int(frame["party_id"].nunique()),
        "threshold": threshold,
        "seconds": round(time.perf_counter() - start, 2),
    }
    return Screened(frame, quarantine, summary)


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """CSV or Parquet by the extension (the ``--out`` contract)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise InvalidInput("out", f"{path.name}: expected a .csv or .parquet file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def screen_world(world_dir: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Strategic-goods and sanctioned-counterparty alerts for a trade-world folder.

    Needs ``declarations.csv``; uses the folder's ``strategic_goods.csv`` when present
    (else the bundled list) and screens counterparties when ``sanctions.csv`` is present.
    """
    from opencustoms.screening.strategic import (
        bundled_goods,
        counterparty_alerts,
        strategic_alerts,
    )
    from opencustoms.world.read import find_file, read_declarations

    folder = Path(world_dir)
    if not folder.is_dir():
        raise InvalidInput("world", f"{folder} is not a folder")
    start = time.perf_counter()
    declarations = read_declarations(find_file(folder, "declarations"))
    frame = declarations.frame
    goods_path = folder / "strategic_goods.csv"
    goods = (
        pd.read_csv(goods_path, dtype=str, keep_default_na=False)
        if goods_path.is_file()
        else bundled_goods()
    )
    missing = [c for c in ("hs_code", "list") if c not in goods.columns]
    if missing:
        raise InvalidInput(missing[0], "required column missing from strategic_goods.csv")
    parts = [strategic_alerts(frame, goods)]
    list_path = folder / "sanctions.csv"
    entities = 0
    if list_path.is_file():
        loaded = read_sanctions(list_path)
        entities = len(loaded.entities)
        if loaded.entities:
            index = BlockingIndex(loaded.entities)
            parts.append(counterparty_alerts(frame, index, threshold=review_threshold()))
    alerts = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else parts[0]
    )
    summary = {
        "declarations": declarations.input,
        "declarations_quarantined": declarations.quarantined,
        "list_entities": entities,
        "alerts": len(alerts),
        "by_typology": {str(k): int(v) for k, v in alerts["typology"].value_counts().items()},
        "seconds": round(time.perf_counter() - start, 2),
    }
    return alerts, summary
