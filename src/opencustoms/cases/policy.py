"""The case-management policy (``data/cases/policy.yaml``) read for a given day.

Every entry carries ``valid_from`` (and optionally ``valid_to``) and a ``reference``; the
version in force on the day asked wins, so an alert raised last year keeps last year's SLA.

>>> import datetime as dt
>>> p = load_policy()
>>> p.sla_hours(source="risk", typology="risk_lane_red", on=dt.date(2024, 5, 1))
24.0
>>> p.sla_hours(source="someone_new", typology="x", on=dt.date(2024, 5, 1))
120.0
>>> p.dedup_window_days(on=dt.date(2024, 5, 1))
30
>>> p.subject_type("risk_lane_blue", on=dt.date(2024, 5, 1))
'declaration'
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.errors import InvalidInput
from opencustoms.settings import PACKAGE_DATA_DIR

POLICY_FILE = PACKAGE_DATA_DIR / "cases" / "policy.yaml"


class _Dated(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_from: dt.date
    valid_to: dt.date | None = None
    reference: str = Field(min_length=3)

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class DedupRule(_Dated):
    window_days: int = Field(ge=0)


class SlaRule(_Dated):
    source: str
    typology: str | None = None
    hours: float = Field(gt=0)


class FileType(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    media_type: str
    magic: str | None = Field(default=None, description="hex of the leading bytes")
    text: bool = False
    reference: str = Field(min_length=3)


class AttachmentRule(_Dated):
    max_bytes: int = Field(gt=0)
    types: list[FileType]


class RiskLaneRule(_Dated):
    lanes: list[str]
    typology_prefix: str


class SubjectRule(_Dated):
    typology: str
    subject_type: str


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dedup: list[DedupRule]
    sla: list[SlaRule]
    attachments: list[AttachmentRule]
    risk_lanes: list[RiskLaneRule]
    subjects: list[SubjectRule]

    @staticmethod
    def _latest(rules: list[Any], on: dt.date, what: str) -> Any:
        live = [r for r in rules if r.in_force(on)]
        if not live:
            raise InvalidInput(what, f"no policy entry in force on {on}")
        return max(live, key=lambda r: r.valid_from)

    def dedup_window_days(self, *, on: dt.date) -> int:
        return int(self._latest(self.dedup, on, "dedup").window_days)

    def sla_hours(self, *, source: str, typology: str, on: dt.date) -> float:
        live = [r for r in self.sla if r.in_force(on)]
        # Most specific first: source + typology, then source, then the "*" default.
        for match in (
            lambda r: r.source == source and r.typology == typology,
            lambda r: r.source == source and r.typology is None,
            lambda r: r.source == "*",
        ):
            hits = [r for r in live if match(r)]
            if hits:
                return float(max(hits, key=lambda r: r.valid_from).hours)
        raise InvalidInput("sla", f"no SLA for {source}/{typology} on {on}")

    def attachment_rule(self, *, on: dt.date) -> AttachmentRule:
        rule: AttachmentRule = self._latest(self.attachments, on, "attachments")
        return rule

    def risk_lane_rule(self, *, on: dt.date) -> RiskLaneRule:
        rule: RiskLaneRule = self._latest(self.risk_lanes, on, "risk_lanes")
        return rule

    def subject_type(self, typology: str, *, on: dt.date) -> str:
        live = [r for r in self.subjects if r.in_force(on)]
        # The longest matching pattern is the most specific one.
        hits = sorted(
            (r for r in live if fnmatch.fnmatchcase(typology, r.typology)),
            key=lambda r: (len(r.typology.replace("*", "")), r.valid_from),
            reverse=True,
        )
        return hits[0].subject_type if hits else "entity"


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Policy:
    try:
        return Policy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # pydantic or YAML: name the file, keep the reason
        raise InvalidInput(str(path), str(exc).splitlines()[0]) from exc


def load_policy(path: Path | None = None) -> Policy:
    """The policy file (cached until it changes on disk)."""
    file = path or POLICY_FILE
    return _load(file, file.stat().st_mtime)
