"""Audit checkpoints kept outside the database (issue 18, finding 8).

A checkpoint records the chain's head (``seq`` and ``hash``) at a moment, appended as one
JSON line to ``OPENCUSTOMS_AUDIT_CHECKPOINT_FILE`` (default ``var_dir/audit/checkpoints.jsonl``;
in production a path on another host, an append-only or WORM mount, or a log shipper's
input) and MAC'd with ``OPENCUSTOMS_AUDIT_KEY`` when set. Someone who can rewrite the
database but not that file (nor knows the key) cannot make ``audit verify`` agree with the
checkpoint: deleting the newest entries together with the head row, or rewriting an entry
and recomputing every later hash, changes the chain at the checkpoint's ``seq``.

>>> import tempfile; from pathlib import Path
>>> f = Path(tempfile.mkdtemp()) / "cp.jsonl"
>>> _ = write_checkpoint(seq=7, hash="ab" * 32, key="k", path=f)
>>> cp = latest_checkpoint(path=f); cp["seq"], checkpoint_valid(cp, key="k")
(7, True)
>>> checkpoint_valid(cp, key="other")
False
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any


def _mac(body: dict[str, Any], key: str) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    if key:
        return "hmac-sha256:" + hmac.new(key.encode(), text, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(text).hexdigest()


def write_checkpoint(*, seq: int, hash: str, key: str, path: Path) -> dict[str, Any]:
    """Append a checkpoint of the chain head (seq, hash) to ``path``."""
    body = {"seq": seq, "hash": hash, "ts": dt.datetime.now(dt.UTC).isoformat()}
    line = {**body, "mac": _mac(body, key)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(json.dumps(line, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return line


def latest_checkpoint(*, path: Path) -> dict[str, Any] | None:
    """The checkpoint with the highest seq in ``path`` (None when there is none)."""
    if not path.is_file():
        return None
    best: dict[str, Any] | None = None
    for raw in path.read_text().splitlines():
        try:
            cp = json.loads(raw)
            seq = int(cp["seq"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line after a crash
        if best is None or seq >= int(best["seq"]):
            best = cp
    return best


def checkpoint_valid(cp: dict[str, Any], *, key: str) -> bool:
    body = {k: cp.get(k) for k in ("seq", "hash", "ts")}
    expected = _mac(body, key)
    return hmac.compare_digest(str(cp.get("mac", "")), expected)
