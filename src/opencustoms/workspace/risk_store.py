"""The workspace's access to the risk engine's models and data: scoring, officer rules,
office capacity and model metrics. (Stored assessments, queues and inspection results:
``assessments``.) All knowledge of the risk engine's functions sits here and there, so
views and pages do not depend on its layout.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select

from opencustoms.declarations.schema import Declaration
from opencustoms.workspace.models import OfficeRow

if TYPE_CHECKING:
    from opencustoms.risk.rules import RuleSet
    from opencustoms.workspace.auth import Workspace

_LOCK = threading.Lock()


class ScoreOut(BaseModel):
    declaration_id: str
    item_no: int
    score: float = Field(description="Fraud probability plus rule boosts, 0..1")
    model_score: float
    critical_score: float
    revenue_at_risk: float = Field(description="Expected KRW at risk (see model metrics)")
    lane: str = Field(examples=["red"])
    exploration: bool
    reasons: list[str] = Field(description="Plain-language reasons, most important first")
    rules_fired: list[str]
    model_version: str


# --- the model, rules and capacity in use --------------------------------------------------


# Files (model, rules) are checked for changes at most this often: the checks are stat
# calls, and single-score requests are frequent.
RECHECK_SECONDS = 2.0


def _fresh(ws: Workspace, key: str, load: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = ws.extras.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    value = load()
    ws.extras[key] = (now, value)
    return value


def _model(ws: Workspace) -> Any:
    """The risk model artefact in use (the risk service reloads it when it changes)."""
    from opencustoms.risk import service

    return _fresh(ws, "model_checked", lambda: service.load_model(Path(ws.settings.model_dir)))


def rules(*, ws: Workspace) -> RuleSet:
    from opencustoms.risk.rules import load_rules

    return load_rules(Path(ws.settings.rules_dir))


def _plan(ws: Workspace) -> Any:
    from opencustoms.risk.lanes import load_capacity

    path = Path(ws.settings.risk_capacity_file)
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    with _LOCK:
        cached = ws.extras.get("plan")
        if cached is None or cached[0] != stamp:
            from opencustoms.risk import lanes

            lanes._load_plan.cache_clear()  # the engine caches by path, not by content
            ws.extras["plan"] = (stamp, load_capacity(path))
        return ws.extras["plan"][1]


class CapacityOut(BaseModel):
    office: str
    pool: str = Field(
        description="The office whose team inspects (support centres use their parent's)"
    )
    red: int
    yellow: int
    blue: int
    explicit: bool = Field(description="False when the office uses the defaults")


def capacity(*, ws: Workspace, office: str) -> CapacityOut:
    plan = _plan(ws)
    pool = plan.pool(office)
    cap = plan.capacity(pool)
    return CapacityOut(
        office=office,
        pool=pool,
        red=cap.red,
        yellow=cap.yellow,
        blue=cap.blue,
        explicit=pool in plan.offices,
    )


_CAPACITY_LINE = re.compile(r'^(\s+)"?(?P<code>[0-9A-Za-z]+)"?\s*:\s*\{[^}]*\}(?P<rest>.*)$')


def set_capacity(*, ws: Workspace, office: str, red: int, yellow: int, blue: int) -> CapacityOut:
    """Change one office's daily capacity in the capacity file, keeping its comments and
    references (only that office's line is rewritten, or added)."""
    from opencustoms.risk.lanes import CapacityFile

    path = Path(ws.settings.risk_capacity_file)
    new = f'"{office}": {{red: {red}, yellow: {yellow}, blue: {blue}}}'
    with _LOCK:
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("offices:"))
        indent, done = "  ", False
        for i in range(start + 1, len(lines)):
            m = _CAPACITY_LINE.match(lines[i])
            if m is None:
                if lines[i] and not lines[i].startswith((" ", "#")):
                    break
                continue
            indent = m.group(1)
            if m.group("code") == office:
                lines[i] = f"{indent}{new}{m.group('rest')}"
                done = True
                break
        if not done:
            end = start + 1
            while end < len(lines) and (lines[end].startswith((" ", "#")) or not lines[end]):
                end += 1
            lines.insert(end, f"{indent}{new}  # set in the workspace")
        text = "\n".join(lines) + "\n"
        CapacityFile.model_validate(yaml.safe_load(text))  # never write a file that fails
        path.write_text(text, encoding="utf-8")
        ws.extras.pop("plan", None)
    return capacity(ws=ws, office=office)


def _rules_cached(ws: Workspace) -> RuleSet:
    # Rule files change through save_rule (which drops both caches) or by an operator
    # editing them; the directory's newest mtime catches the latter.
    rs: RuleSet = _fresh(ws, "rules_checked", lambda: _rules_by_mtime(ws))
    return rs


def _rules_by_mtime(ws: Workspace) -> RuleSet:
    directory = Path(ws.settings.rules_dir)
    stamp = max((f.stat().st_mtime for f in directory.glob("*.yaml")), default=0.0)
    with _LOCK:
        cached = ws.extras.get("rules")
        if cached is None or cached[0] != stamp:
            ws.extras["rules"] = (stamp, rules(ws=ws))
        return ws.extras["rules"][1]


def score_many(*, ws: Workspace, declarations: list[Declaration]) -> list[ScoreOut]:
    """Score declarations without storing them (lanes provisional, as if they arrived
    together; capacity and exploration apply when the store is scored)."""
    from opencustoms.risk import service
    from opencustoms.risk.scoring import reasons_text

    scored = service.score_many(declarations, model=_model(ws), rules=_rules_cached(ws))
    return [
        ScoreOut(
            declaration_id=r.declaration_id,
            item_no=r.item_no,
            score=r.score,
            model_score=r.model_score,
            critical_score=r.critical_score,
            revenue_at_risk=r.revenue_at_risk,
            lane=r.lane,
            exploration=r.exploration,
            reasons=reasons_text(r.reasons),
            rules_fired=r.rules_fired,
            model_version=r.model_version,
        )
        for r in scored
    ]


def validate_rule(*, ws: Workspace, rule: dict[str, Any]) -> list[dict[str, str]]:
    from opencustoms.risk.rules import validate_rule as check

    return check(rule, watchlists=_rules_cached(ws).watchlists)


WORKSPACE_RULES_FILE = "workspace-{office}.yaml"


def save_rule(
    *, ws: Workspace, rule: dict[str, Any], rule_id: str | None, may_edit: Callable[[str], bool]
) -> str:
    """Create (``rule_id`` None) or replace a rule; returns "create" or "update".

    Rules edited in the workspace live in ``workspace-<office>.yaml`` in the rules
    directory, next to the operator's files, so the risk engine loads them like any other.
    """
    import yaml

    directory = Path(ws.settings.rules_dir)
    current = _rules_cached(ws)
    existing = {r.id: r for r in current.rules}
    if rule_id is None and rule["id"] in existing:
        raise ValueError(f"rule {rule['id']!r} already exists; update it instead")
    if rule_id is not None:
        if rule_id not in existing:
            raise LookupError(f"no rule {rule_id!r}")
        if not may_edit(existing[rule_id].office):
            raise PermissionError(f"rule {rule_id!r} belongs to office {existing[rule_id].office}")
    target = directory / WORKSPACE_RULES_FILE.format(office=rule["office"])
    files = sorted(directory.glob("*.yaml"))
    with _LOCK:
        holder = None
        for file in files:
            doc = yaml.safe_load(file.read_text()) or {}
            if any(r.get("id") == (rule_id or rule["id"]) for r in doc.get("rules") or []):
                holder = file
        if holder is not None and holder != target:
            if not holder.name.startswith("workspace-"):
                raise PermissionError(
                    f"rule {rule_id!r} is maintained in {holder.name}; edit that file"
                )
            doc = yaml.safe_load(holder.read_text()) or {}
            doc["rules"] = [r for r in doc.get("rules") or [] if r.get("id") != rule_id]
            holder.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        doc = yaml.safe_load(target.read_text()) if target.is_file() else None
        doc = doc or {"reference": "Rules maintained in the OpenCustoms workspace", "rules": []}
        kept = [r for r in doc.get("rules") or [] if r.get("id") != (rule_id or rule["id"])]
        doc["rules"] = [*kept, rule]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        ws.extras.pop("rules", None)
        ws.extras.pop("rules_checked", None)
    _drop_service_rules_cache()
    return "create" if rule_id is None else "update"


def _drop_service_rules_cache() -> None:
    # The risk service caches rule sets per directory for scoring the store; a rule saved
    # here must be in force for the next scoring run.
    from opencustoms.risk import service

    cached = getattr(service, "_cached_rules", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


def model_metrics(*, ws: Workspace) -> dict[str, Any]:
    meta = dict(_model(ws).metadata)
    keep = (
        "version",
        "created_at",
        "training_window",
        "rows",
        "data_hash",
        "metrics",
        "revenue",
        "features",
        "n_threads",
        "seed",
        "lightgbm_version",
        "params",
    )
    return {k: meta[k] for k in keep if k in meta}


def office_exists(*, engine: Engine, office: str) -> bool:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return s.execute(select(OfficeRow.code).where(OfficeRow.code == office)).first() is not None
