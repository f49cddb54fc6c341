"""Evaluation files (ATLAS chat JSONL or ``text,expected_hs_code`` CSV) and top-k accuracy.

>>> accuracy([["020130", "020230"]], ["020230"])["hs6"]
{'top1': 0.0, 'top5': 1.0}
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

_CODE = re.compile(r"(\d{4})\.?(\d{2})")


@dataclass(frozen=True)
class Case:
    text: str
    hs6: str


class EvalFileError(ValueError):
    """The evaluation file is not in a supported format (the message names the line)."""


def _atlas_case(line: str, lineno: int) -> Case:
    try:
        row = json.loads(line)
        messages = row["messages"]
        user = next(m["content"] for m in messages if m["role"] == "user")
        answer = next(m["content"] for m in messages if m["role"] == "assistant")
    except (json.JSONDecodeError, KeyError, StopIteration, TypeError) as exc:
        raise EvalFileError(f"line {lineno}: not an ATLAS chat record ({exc})") from exc
    # The answer starts "HTS US Code -> 3920.62.0000"; its first code is the label.
    match = _CODE.search(answer)
    if match is None:
        raise EvalFileError(f"line {lineno}: no HS code in the assistant message")
    return Case(text=user, hs6=match.group(1) + match.group(2))


def _csv_hs6(value: str, lineno: int) -> str:
    digits = re.sub(r"\D", "", value)
    if not 6 <= len(digits) <= 10:
        raise EvalFileError(f"line {lineno}: expected_hs_code {value!r} must have 6-10 digits")
    return digits[:6]


def read_cases(path: Path) -> list[Case]:
    """Read an ATLAS ``.jsonl`` file or a CSV with ``text`` and ``expected_hs_code``."""
    raw = path.read_text(encoding="utf-8-sig")
    first = raw.lstrip()[:1]
    if first in {"{", "["}:
        return [_atlas_case(line, i) for i, line in enumerate(raw.splitlines(), 1) if line.strip()]
    reader = csv.DictReader(raw.splitlines())
    missing = {"text", "expected_hs_code"} - set(reader.fieldnames or [])
    if missing:
        raise EvalFileError(f"{path.name}: missing column(s) {sorted(missing)}")
    return [
        Case(text=row["text"], hs6=_csv_hs6(row["expected_hs_code"], i))
        for i, row in enumerate(reader, 2)
    ]


def accuracy(ranked: Sequence[Sequence[str]], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Top-1/top-5 at HS2, HS4 and HS6; a level counts the distinct prefixes in rank order."""
    out: dict[str, dict[str, float]] = {}
    n = max(len(labels), 1)
    for digits in (2, 4, 6):
        top1 = top5 = 0
        for codes, label in zip(ranked, labels, strict=True):
            prefixes = list(dict.fromkeys(c[:digits] for c in codes))
            top1 += bool(prefixes[:1] == [label[:digits]])
            top5 += label[:digits] in prefixes[:5]
        out[f"hs{digits}"] = {"top1": round(top1 / n, 4), "top5": round(top5 / n, 4)}
    return out


def evaluate(cases: Sequence[Case], rank: Callable[[str], list[str]]) -> dict[str, object]:
    """Run ``rank`` (text -> ranked HS6 codes, at least 5 deep) over ``cases``."""
    ranked: list[list[str]] = []
    started = time.perf_counter()
    for case in cases:
        ranked.append(rank(case.text))
    ms = (time.perf_counter() - started) * 1000 / max(len(cases), 1)
    return {
        "n": len(cases),
        **accuracy(ranked, [c.hs6 for c in cases]),
        "ms_per_query": round(ms, 2),
    }
