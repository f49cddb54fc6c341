"""The risk engine as a long-running server uses it: the model, officer rules and office
capacity in force (reloaded when their files change), scoring without storing, editing
rules and capacity from the officer workspace, and the model's metrics.

One ``LiveRisk`` per process holds the caches; the web app keeps it on its state.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from opencustoms.declarations.schema import Declaration
from opencustoms.errors import Forbidden, InvalidInput, NotFound
from opencustoms.risk import lanes
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.lanes import CapacityFile, CapacityPlan, load_capacity
from opencustoms.risk.rule_schema import RuleSet, check_texts, load_rules, validate_rule
from opencustoms.settings import Settings


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


class CapacityOut(BaseModel):
    office: str
    pool: str = Field(
        description="The office whose team inspects (support centres use their parent's)"
    )
    red: int
    yellow: int
    blue: int
    explicit: bool = Field(description="False when the office uses the defaults")


# Files (model, rules) are checked for changes at most this often: the checks are stat
# calls, and single-score requests are frequent.
RECHECK_SECONDS = 2.0
_CAPACITY_LINE = re.compile(r'^(\s+)"?(?P<code>[0-9A-Za-z]+)"?\s*:\s*\{[^}]*\}(?P<rest>.*)$')
WORKSPACE_RULES_FILE = "workspace-{office}.yaml"
METRIC_KEYS = (
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


class LiveRisk:
    """The model, rules and capacity plan in force for one server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        # The server's warm-up thread and the first requests ask for the model at once:
        # one loads it, the others wait for that copy instead of loading their own.
        self._model_lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    def _fresh(self, key: str, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < RECHECK_SECONDS:
            return hit[1]
        value = load()
        self._cache[key] = (now, value)
        return value

    def model(self) -> Any:
        """The risk model artefact in use (the risk service reloads it when it changes)."""
        # LightGBM, scikit-learn and SciPy take seconds to import: a server starts without
        # them and imports them with the first model it loads.
        from opencustoms.risk import service, single

        def load() -> Any:
            model = service.load_model(Path(self.settings.model_dir))
            single.prepare(model)  # the single-score path's tables: ~1 s, once per model
            return model

        with self._model_lock:
            return self._fresh("model", load)

    def rules(self) -> RuleSet:
        # Rule files change through save_rule (which drops the cache) or by an operator
        # editing them; the directory's newest mtime catches the latter.
        rs: RuleSet = self._fresh("rules_checked", self._rules_by_mtime)
        return rs

    def _rules_by_mtime(self) -> RuleSet:
        directory = Path(self.settings.rules_dir)
        stamp = max((f.stat().st_mtime for f in directory.glob("*.yaml")), default=0.0)
        with self._lock:
            cached = self._cache.get("rules")
            if cached is None or cached[0] != stamp:
                self._cache["rules"] = (stamp, load_rules(directory))
            return self._cache["rules"][1]

    def plan(self) -> CapacityPlan:
        path = Path(self.settings.risk_capacity_file)
        stamp = path.stat().st_mtime_ns if path.is_file() else 0
        with self._lock:
            cached = self._cache.get("plan")
            if cached is None or cached[0] != stamp:
                lanes._load_plan.cache_clear()  # the engine caches by path, not by content
                self._cache["plan"] = (stamp, load_capacity(path))
            return self._cache["plan"][1]

    def score_one(self, declaration: Declaration) -> ScoreOut:
        """``score_many([declaration])[0]`` on the single-row path (``risk.single``),
        without the service's intermediate ``ScoredDeclaration`` (the API's hot path)."""
        from opencustoms.risk import single  # heavy: see ``model``

        row = single.score_record(
            declaration.model_dump(), model=self.model(), rules=self.rules(), plan=self.plan()
        )
        return ScoreOut(
            declaration_id=str(row["declaration_id"]),
            item_no=int(row["item_no"]),
            score=row["score"],
            model_score=row["model_score"],
            critical_score=row["critical_score"],
            revenue_at_risk=row["revenue_at_risk"],
            lane=row["lane"],
            exploration=row["exploration"],
            reasons=reasons_text(row["reasons"]),
            rules_fired=list(row["rules_fired"]),
            model_version=row["model_version"],
        )

    def score_many(self, declarations: list[Declaration]) -> list[ScoreOut]:
        """Score declarations without storing them (lanes provisional, as if they arrived
        together; capacity and exploration apply when the store is scored)."""
        from opencustoms.risk import service  # heavy: see ``model``

        scored = service.score_many(
            declarations, model=self.model(), rules=self.rules(), plan=self.plan()
        )
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

    def capacity(self, office: str) -> CapacityOut:
        plan = self.plan()
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

    def set_capacity(self, office: str, *, red: int, yellow: int, blue: int) -> CapacityOut:
        """Change one office's daily capacity in the capacity file, keeping its comments
        and references (only that office's line is rewritten, or added)."""
        path = Path(self.settings.risk_capacity_file)
        new = f'"{office}": {{red: {red}, yellow: {yellow}, blue: {blue}}}'
        with self._lock:
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
            self._cache.pop("plan", None)
        return self.capacity(office)

    def validate_rule(self, rule: dict[str, Any]) -> list[dict[str, str]]:
        """Per-field errors of a rule (empty when valid), against the watchlists in force."""
        return validate_rule(rule, watchlists=self.rules().watchlists)

    def save_rule(
        self,
        rule: dict[str, Any],
        *,
        rule_id: str | None,
        office: str | None,
    ) -> str:
        """Create (``rule_id`` None) or replace a rule; returns "create" or "update".

        ``office`` is the editor's office (None: any office, for admins). Rules edited in
        the workspace live in ``workspace-<office>.yaml`` in the rules directory, next to
        the operator's files, so the risk engine loads them like any other. Raises
        ``InvalidInput`` (per field), ``Forbidden`` or ``NotFound``.
        """
        if rule_id is not None and rule.get("id", rule_id) != rule_id:
            # the page's form and the API both edit one rule: its id is not a free field
            raise InvalidInput("id", f"the rule's id {rule.get('id')!r} differs from {rule_id!r}")
        errors = self.validate_rule(rule)
        if errors:
            raise RuleInvalid(errors)
        if office is not None and rule.get("office") != office:
            raise Forbidden(f"supervisors may only own rules of their office ({office})")
        directory = Path(self.settings.rules_dir)
        existing = {r.id: r for r in self.rules().rules}
        if rule_id is None and rule["id"] in existing:
            # Like a taken username: the caller picks another id (422 naming the field).
            raise InvalidInput("id", f"rule {rule['id']!r} already exists; update it instead")
        if rule_id is not None:
            if rule_id not in existing:
                raise NotFound(f"no rule {rule_id!r}")
            if office is not None and existing[rule_id].office != office:
                raise Forbidden(f"rule {rule_id!r} belongs to office {existing[rule_id].office}")
        target = directory / WORKSPACE_RULES_FILE.format(office=rule["office"])
        with self._lock:
            before = {f.name: f.read_text() for f in sorted(directory.glob("*.yaml"))}
            after = self._rewrite(before, target.name, rule, rule_id)
            # The whole set the write would leave behind must load: a write never breaks
            # another office's (or the national) rules.
            known = {p for ps in check_texts(before).values() for p in ps}
            new = [p for ps in check_texts(after).values() for p in ps if p not in known]
            if new:
                raise RuleInvalid([{"field": "id", "message": p} for p in new])
            for name, text in after.items():
                if before.get(name) != text:
                    (directory / name).write_text(text)
            self._cache.pop("rules", None)
            self._cache.pop("rules_checked", None)
        # The risk service caches rule sets per directory for scoring the store; a rule
        # saved here must be in force for the next scoring run.
        from opencustoms.risk import service  # heavy: see ``model``

        service.forget_rules()
        return "create" if rule_id is None else "update"

    @staticmethod
    def _rewrite(
        texts: dict[str, str], target: str, rule: dict[str, Any], rule_id: str | None
    ) -> dict[str, str]:
        """The rule files after storing ``rule`` in ``target`` (in memory)."""
        out = dict(texts)
        rid = rule_id or rule["id"]
        holder = None
        for name, text in texts.items():
            doc = yaml.safe_load(text) or {}
            if any(r.get("id") == rid for r in doc.get("rules") or [] if isinstance(r, dict)):
                holder = name
        if holder is not None and holder != target:
            if not holder.startswith("workspace-"):
                raise Forbidden(f"rule {rule_id!r} is maintained in {holder}; edit that file")
            doc = yaml.safe_load(texts[holder]) or {}
            doc["rules"] = [r for r in doc.get("rules") or [] if r.get("id") != rule_id]
            out[holder] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        doc = yaml.safe_load(out[target]) if target in out else None
        doc = doc or {"reference": "Rules maintained in the OpenCustoms workspace", "rules": []}
        kept = [r for r in doc.get("rules") or [] if r.get("id") != rid]
        doc["rules"] = [*kept, rule]
        out[target] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        return out

    def model_metrics(self) -> dict[str, Any]:
        meta = dict(self.model().metadata)
        return {k: meta[k] for k in METRIC_KEYS if k in meta}


class RuleInvalid(InvalidInput):
    """A rule with one or more invalid fields; ``errors`` lists each {field, message}."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["field"], errors[0]["message"])
        self.errors = errors

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [(e["field"], e["message"]) for e in self.errors]
