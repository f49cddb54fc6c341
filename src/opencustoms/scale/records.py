"""Per-partition run records of jobs that write a partitioned output.

``<out>/_runs/<key>.json`` says: this partition's output is complete, made by this kind
of job with these parameters from these input files. It is written atomically after the
output file, so it is the commit point: no record (or a record of other parameters or
other inputs) means the partition is redone from scratch.

>>> import tempfile
>>> from opencustoms.scale.dataset import Partition
>>> out = Path(tempfile.mkdtemp())
>>> src = out / "in.parquet"; _ = src.write_bytes(b"x")
>>> part = Partition("date=2021-01-01", (src,), rows=1, bytes=1)
>>> get(out, part, kind="demo", params={"seed": 1}) is None
True
>>> target = output_path(out, part.key); target.parent.mkdir(parents=True)
>>> _ = target.write_bytes(b"output")  # the output is in place before its record
>>> put(out, part, kind="demo", params={"seed": 1}, counts={"rows_out": 1})
>>> get(out, part, kind="demo", params={"seed": 1})
{'rows_out': 1}
>>> get(out, part, kind="demo", params={"seed": 2}) is None
True
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from opencustoms.scale.dataset import Partition, output_path

RUNS_DIR = "_runs"


def record_path(out: Path, key: str) -> Path:
    # One flat directory: keys of nested partitions (a=1/b=2) become a=1__b=2.json.
    return Path(out) / RUNS_DIR / (key.replace("/", "__") + ".json")


def get(out: Path, part: Partition, *, kind: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The counts of a committed partition, or None when it must be (re)done."""
    path = record_path(out, part.key)
    try:
        rec = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    same = (
        rec.get("kind") == kind
        and rec.get("params") == _plain(params)
        and rec.get("inputs") == part.identity()
        and output_path(Path(out), part.key).is_file()
    )
    return dict(rec["counts"]) if same else None


def put(
    out: Path, part: Partition, *, kind: str, params: dict[str, Any], counts: dict[str, Any]
) -> None:
    """Commit a partition whose output file is already in place."""
    path = record_path(out, part.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "kind": kind,
        "key": part.key,
        "params": _plain(params),
        "inputs": part.identity(),
        "rows": part.rows,
        "counts": counts,
    }
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(body, sort_keys=True, default=str))
    os.replace(tmp, path)


def _plain(params: dict[str, Any]) -> Any:
    # The comparison is against JSON read back from disk: normalise tuples, paths, etc.
    return json.loads(json.dumps(params, sort_keys=True, default=str))


def digest_files(paths: list[Path]) -> str:
    """Content digest of reference files (rules, capacity, rates): results made with
    other reference data are not the same results."""
    h = hashlib.blake2b(digest_size=12)
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes() if p.is_file() else b"<missing>")
    return h.hexdigest()
