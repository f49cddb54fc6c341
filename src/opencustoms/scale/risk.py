"""Risk batch scoring per partition: scores, lanes and reasons of one day at a time.

Lanes are allocated under each office's *daily* capacity, so a day is the natural
partition: every row that competes for a day's slots is in the same partition, and the
result of a partition does not depend on any other. Each partition draws its exploration
picks from its own random stream, seeded by the job seed and the partition key, so the
lanes are the same whichever engine, worker or order runs it. (They differ from one
`risk score` call over the whole file, which draws every day's picks from one stream.)

The per-partition function is the risk domain's own chain (``read -> check_frame ->
score_batch -> output_table``), with the model, rules and capacity plan loaded once per
worker process from paths every worker can read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from opencustoms.declarations.io import UnusableFileError, coerce_types, to_canonical
from opencustoms.declarations.profiles import get_profile
from opencustoms.errors import InvalidInput
from opencustoms.risk.artefact import ArtefactError, RiskModel, load
from opencustoms.risk.batch import output_table, summary
from opencustoms.risk.lanes import CapacityPlan, load_capacity
from opencustoms.risk.rule_schema import RuleSet, load_rules
from opencustoms.risk.scoring import EXPLAIN_MODES, check_frame, score_batch
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition, read_partition, write_atomically
from opencustoms.scale.engine import JobResult, PartitionJob, Progress, run_job
from opencustoms.scale.records import digest_files
from opencustoms.settings import get_settings


def partition_seed(seed: int, key: str) -> int:
    """The exploration seed of one partition: fixed by the job seed and the key only.

    >>> partition_seed(42, "date=2021-01-04") == partition_seed(42, "date=2021-01-04")
    True
    >>> partition_seed(42, "date=2021-01-04") != partition_seed(42, "date=2021-01-05")
    True
    """
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


@lru_cache(maxsize=2)
def _model(path: str, stamp: int, n_threads: int) -> RiskModel:
    return load(path, n_threads=n_threads)


@lru_cache(maxsize=2)
def _rules(directory: str, digest: str) -> RuleSet:
    return load_rules(Path(directory))


@dataclass(frozen=True)
class ScoreJob(PartitionJob):
    """Score every declaration of a partition with one model, rules and capacity plan."""

    kind: ClassVar[str] = "risk-score"
    model_dir: str
    rules_dir: str
    capacity_file: str
    profile: str = "kcs"
    exploration_share: float = 0.10
    strategy: str = "random"
    seed: int = 42
    explain_mode: str = "auto"
    n_threads: int = 1

    @classmethod
    def from_settings(
        cls, *, model: str | Path | None = None, profile: str = "kcs", explain_mode: str = "auto"
    ) -> ScoreJob:
        """A job with the deployment's settings, resolved once on the client, so every
        worker uses the same values whatever its own environment says."""
        s = get_settings()
        if explain_mode not in EXPLAIN_MODES:
            raise InvalidInput("explain_mode", f"must be one of {', '.join(EXPLAIN_MODES)}")
        try:
            get_profile(profile)  # unknown profile: fail on the client, not on every worker
        except ValueError as exc:
            raise InvalidInput("profile", str(exc)) from None
        return cls(
            model_dir=str(Path(model or s.model_dir).resolve()),
            rules_dir=str(Path(s.rules_dir).resolve()),
            capacity_file=str(Path(s.risk_capacity_file).resolve()),
            profile=profile,
            exploration_share=s.exploration_share,
            strategy=s.exploration_strategy,
            seed=s.seed,
            explain_mode=explain_mode,
            n_threads=s.n_threads,
        )

    def model(self) -> RiskModel:
        meta = Path(self.model_dir) / "metadata.json"
        stamp = meta.stat().st_mtime_ns if meta.is_file() else 0
        return _model(self.model_dir, stamp, self.n_threads)

    def params(self) -> dict[str, Any]:
        return {
            "model_version": self.model().version,
            "rules": digest_files(sorted(Path(self.rules_dir).glob("*.yaml"))),
            "capacity": digest_files([Path(self.capacity_file)]),
            "profile": self.profile,
            "exploration_share": self.exploration_share,
            "strategy": self.strategy,
            "seed": self.seed,
            "explain_mode": self.explain_mode,
        }

    def prepare(self) -> None:
        try:
            self.model()  # a missing or incompatible artefact fails here, once
        except ArtefactError as exc:
            raise InvalidInput("model", str(exc)) from None

    def warm(self) -> None:
        self.model()

    def process(self, part: Partition, target: Path | None) -> dict[str, Any]:
        model = self.model()
        rules = _rules(self.rules_dir, digest_files(sorted(Path(self.rules_dir).glob("*.yaml"))))
        plan: CapacityPlan = load_capacity(Path(self.capacity_file))
        raw = read_partition(part).to_pandas()
        try:
            text = to_canonical(raw, get_profile(self.profile), source=part.key)
        except UnusableFileError as exc:
            raise InvalidInput("data", str(exc)) from None
        frame = coerce_types(text)
        errors = check_frame(frame, text)
        ok = np.array([e is None for e in errors], dtype=bool)
        scored = score_batch(
            frame.loc[ok].reset_index(drop=True),
            model=model,
            rules=rules,
            plan=plan,
            exploration_share=self.exploration_share,
            strategy=self.strategy,
            seed=partition_seed(self.seed, part.key),
            explain_mode=self.explain_mode,
        )
        table = output_table(
            scored,
            rows=np.flatnonzero(ok),
            n=len(frame),
            errors=errors,
            version=model.version,
            ids=frame["declaration_id"],
        )
        if target is not None:
            write_atomically(table, target)
        done = summary(scored, rows=len(frame), version=model.version)
        return {"rows_out": table.num_rows} | {
            k: done[k] for k in ("scored", "invalid", "exploration", "lanes")
        }


def score_dataset(
    *,
    data: str | Path | list[Partition],
    out: str | Path,
    model: str | Path | None = None,
    profile: str = "kcs",
    explain_mode: str = "auto",
    engine: str = "local",
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Score a partitioned Parquet dataset into ``out`` (one file per input partition,
    one row per input row, as `risk score` writes); rerunning resumes."""
    job = ScoreJob.from_settings(model=model, profile=profile, explain_mode=explain_mode)
    return run_job(
        job, data, out=out, engine=engine, scheduler=scheduler, cluster=cluster, progress=progress
    )
