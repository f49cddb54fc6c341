"""Storing one batch of rows: validate, classify (new / duplicate / conflict), bulk
load the new rows and quarantine the rest with their reasons, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from opencustoms.db_bulk import bulk_insert, stored_hashes
from opencustoms.declarations.io import rename_columns
from opencustoms.declarations.models import declarations, quarantine
from opencustoms.declarations.profiles import Profile
from opencustoms.declarations.reader import Batch
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.declarations.validate import check_frame, content_hashes, to_arrow


@dataclass
class Counts:
    input: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    conflicts: int = 0


def store_batch(
    conn: Connection, batch: Batch, prof: Profile, *, run_id: int, source: str
) -> Counts:
    """Store a batch inside ``conn``'s transaction and return what happened to its rows.

    A row is *new* (first valid row of an unseen key: stored), a *duplicate* (same content
    hash as the stored row, or as the key's first row in this batch) or a *conflict*
    (different content: quarantined with one reason per differing field)."""
    raw = batch.frame
    # missing fields are left to check_frame, which reports them per row
    canon = rename_columns(raw, prof)
    positions = {int(n): i for i, n in enumerate(batch.row_numbers)}
    checked = check_frame(
        canon, {positions[n]: p for n, p in batch.problems.items() if n in positions}
    )
    ok = checked.ok
    valid = checked.frame.loc[ok].reset_index(drop=True)
    valid_rows = batch.row_numbers[ok]
    table = to_arrow(valid)
    hashes = content_hashes(table)
    keys = pd.DataFrame(
        {
            "declaration_id": valid["declaration_id"].astype(object).to_numpy(),
            "item_no": valid["item_no"].astype("int64").to_numpy(),
            "h": hashes,
        }
    )
    ids = keys["declaration_id"].unique().tolist()
    stored = pd.DataFrame(
        stored_hashes(conn, declarations.name, ids), columns=["declaration_id", "item_no", "db_h"]
    ).astype({"db_h": "Int64"})
    keys = keys.merge(stored, how="left", on=["declaration_id", "item_no"])
    # A declaration belongs to one office and one trader (security issue 18): an item
    # naming another office or owner than the declaration's is refused, and refused the
    # same way whether or not its item number exists, without any stored value.
    foreign = _foreign_items(conn, valid, stored["declaration_id"].unique().tolist())
    # The reference content of a key is the stored row, else its first row in this batch.
    first_h = keys.groupby(["declaration_id", "item_no"], sort=False)["h"].transform("first")
    ref = keys["db_h"].fillna(first_h.astype("Int64"))
    is_new = (~keys.duplicated(["declaration_id", "item_no"]) & keys["db_h"].isna()).to_numpy()
    is_new = is_new & ~foreign
    same = (keys["h"] == ref).to_numpy(dtype=bool)
    duplicate = ~is_new & same & ~foreign
    conflict = (~is_new & ~same) | foreign

    new_table = (
        table.filter(is_new)
        .append_column("content_hash", [hashes[is_new]])
        .append_column("ingest_id", [np.full(int(is_new.sum()), run_id, dtype=np.int64)])
    )
    bulk_insert(conn, declarations.name, new_table)

    raw_of = _raw_content(batch)
    bad = sorted(checked.reasons.items())
    raws = raw_of([pos for pos, _ in bad])
    rows = [
        _quarantine_row(raw, int(batch.row_numbers[pos]), reasons, run_id, source)
        for (pos, reasons), raw in zip(bad, raws, strict=True)
    ]
    rows += [
        {"ingest_id": run_id, "source": source, "row_number": n, "raw": r, "reasons": [why]}
        for n, r, why in batch.malformed
    ]
    if conflict.any():
        rows += _conflict_rows(
            conn, raw_of, valid, keys, conflict, foreign, valid_rows, run_id, source, positions
        )
    if rows:
        conn.execute(insert(quarantine), rows)
    n_conflicts = int(conflict.sum())
    return Counts(
        input=len(raw) + len(batch.malformed),
        stored=int(is_new.sum()),
        quarantined=len(rows),
        duplicates=int(duplicate.sum()),
        conflicts=n_conflicts,
    )


def _conflict_rows(
    conn: Connection,
    raw_of: Callable[[list[int]], list[dict[str, Any]]],
    valid: pd.DataFrame,
    keys: pd.DataFrame,
    conflict: np.ndarray,
    foreign: np.ndarray,
    valid_rows: np.ndarray,
    run_id: int,
    source: str,
    positions: dict[int, int],
) -> list[dict[str, Any]]:
    """Quarantine rows whose key exists with other content, naming each differing field."""
    idx = np.flatnonzero(conflict)
    wanted = keys.iloc[idx]
    stored = _stored_rows(conn, wanted["declaration_id"].unique().tolist())
    grouped = keys.reset_index().groupby(["declaration_id", "item_no"], sort=False)["index"]
    first = grouped.first().to_dict()
    firsts = [
        int(first[(wanted.at[i, "declaration_id"], wanted.at[i, "item_no"])]) for i in idx.tolist()
    ]
    # one conversion per batch: row-wise pandas access costs ~1 ms a row
    plain = _plain_rows(valid, sorted({*idx.tolist(), *firsts}))
    raws = raw_of([positions[int(valid_rows[i])] for i in idx.tolist()])
    out = []
    for j, i in enumerate(idx.tolist()):
        key = (str(keys.at[i, "declaration_id"]), int(str(keys.at[i, "item_no"])))
        reference = stored.get(key) or plain[firsts[j]]
        mine = plain[i]
        if foreign[i]:
            # Values could be another office's: say only that the key is not available.
            reasons = [FOREIGN_REASON]
            out.append(_quarantine_row(raws[j], int(valid_rows[i]), reasons, run_id, source))
            continue
        reasons = [
            {
                "field": f,
                "problem": f"conflicts with stored value {reference[f]!r} for key "
                f"{key[0]}/{key[1]} (new value {mine[f]!r})",
            }
            for f in FIELD_NAMES
            if reference.get(f) != mine.get(f)
        ] or [{"field": "declaration_id", "problem": "conflicts with stored content"}]
        number = int(valid_rows[i])
        out.append(_quarantine_row(raws[j], number, reasons, run_id, source))
    return out


OWNER_FIELDS = ("office_id", "importer_id", "declarant_id")
FOREIGN_REASON = {
    "field": "declaration_id",
    "problem": "conflicts with stored content: the items of a declaration share one "
    "office, importer and declarant",
}


def _foreign_items(conn: Connection, valid: pd.DataFrame, stored_ids: list[str]) -> np.ndarray:
    """Rows whose office, importer or declarant differ from their declaration's.

    The declaration's are those of its stored items (lowest item number), else of its
    first row in this batch."""
    own = pd.DataFrame(
        {c: valid[c].astype("string").str.strip().fillna("").to_numpy() for c in OWNER_FIELDS}
    )
    ids = valid["declaration_id"].astype(str).to_numpy()
    own["declaration_id"] = ids
    ref = own.groupby("declaration_id", sort=False)[list(OWNER_FIELDS)].transform("first")
    heads = _stored_heads(conn, stored_ids)  # only declarations with stored items
    if heads:
        for k, c in enumerate(OWNER_FIELDS):
            from_db = own["declaration_id"].map({d: h[k] for d, h in heads.items()})
            ref[c] = from_db.fillna(ref[c])
    differs = np.zeros(len(own), dtype=bool)
    for c in OWNER_FIELDS:
        differs |= own[c].to_numpy(dtype=object) != ref[c].to_numpy(dtype=object)
    return differs


def _stored_heads(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """Office, importer and declarant of each stored declaration among ``ids``."""
    c = declarations.c
    heads: dict[str, tuple[str, str, str]] = {}
    for i in range(0, len(ids), 500):
        stmt = (
            select(c.declaration_id, *(c[n] for n in OWNER_FIELDS))
            .where(c.declaration_id.in_(ids[i : i + 500]))
            .order_by(c.declaration_id, c.item_no.desc())
        )
        for row in conn.execute(stmt):
            # descending item numbers: the lowest is written last and wins
            office, importer, declarant = ("" if v is None else str(v).strip() for v in row[1:])
            heads[row[0]] = (office, importer, declarant)
    return heads


def _plain_rows(frame: pd.DataFrame, positions: list[int]) -> dict[int, dict[str, Any]]:
    records = frame.iloc[positions].astype(object).to_dict(orient="records")
    return {p: _as_plain(r) for p, r in zip(positions, records, strict=True)}


def _stored_rows(conn: Connection, ids: list[str]) -> dict[tuple[str, int], dict[str, Any]]:
    cols = [declarations.c[n] for n in FIELD_NAMES]
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        stmt = select(*cols).where(declarations.c.declaration_id.in_(ids[i : i + 500]))
        for row in conn.execute(stmt).mappings():
            found[(row["declaration_id"], row["item_no"])] = _as_plain(row)
    return found


def _as_plain(row: Any) -> dict[str, Any]:
    """Row values as comparable plain Python (dates as ISO text, floats, None)."""
    out: dict[str, Any] = {}
    for name in FIELD_NAMES:
        v = row[name]
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out[name] = None
        elif hasattr(v, "isoformat"):
            out[name] = v.isoformat()[:10]
        elif isinstance(v, np.generic):
            out[name] = v.item()
        else:
            out[name] = v
    return out


def _raw_content(batch: Batch) -> Callable[[list[int]], list[dict[str, Any]]]:
    """Positions -> the rows as they came in (source column names, original values)."""

    def raw_of(positions: list[int]) -> list[dict[str, Any]]:
        if batch.originals is not None:
            originals = batch.originals
            return [json_safe(originals[p]) for p in positions]
        records = batch.frame.iloc[positions].astype(object).to_dict(orient="records")
        return [{str(k): _jsonable(v) for k, v in r.items()} for r in records]

    return raw_of


def _quarantine_row(
    raw: dict[str, Any], number: int, reasons: list[dict[str, str]], run_id: int, source: str
) -> dict[str, Any]:
    return {
        "ingest_id": run_id,
        "source": source,
        "row_number": number,
        "raw": raw,
        "reasons": reasons,
    }


def json_safe(value: Any) -> Any:
    """A parsed JSON value made storable as strict JSON (PostgreSQL refuses NaN)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else str(value)
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
