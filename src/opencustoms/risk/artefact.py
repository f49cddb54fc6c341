"""Trained risk models and their versioned artefact directory.

An artefact directory holds LightGBM text models (``fraud.txt``, ``critical.txt`` and,
when the data had real ``additional_duty`` labels, ``revenue.txt``), the fitted history
(``history.parquet``) and ``metadata.json`` (feature list, category vocabulary, training
window, data hash, metrics, parameters, threads, version). Loading checks the artefact's
digests and that its feature list is exactly what this code computes, and refuses
otherwise. ``training.py`` fits the models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from opencustoms.errors import Unavailable
from opencustoms.files import sha256_file
from opencustoms.risk.content import (
    CONTENT_FEATURES,
    LINE_KEY,
    blend,
    cell_posterior,
    content_predict,
)
from opencustoms.risk.fastpredict import single_row_predictor
from opencustoms.risk.features import FEATURES, build_features, category_index
from opencustoms.risk.history import History, S, derive_columns
from opencustoms.risk.integrity import (
    private_dir,
    record_library,
    trusted_library,
    verify_manifest,
    write_manifest,
)
from opencustoms.risk.treeshap import Explainer
from opencustoms.settings import get_settings

FORMAT_VERSION = 1
COMPILE_MIN_ROWS = 50_000
# Below this many rows LightGBM's own contributions beat building the tables (~1 s).
TABLE_MIN_ROWS = 2_000


def _compile(model_file: Path) -> Any:
    """lleaves-compiled model, or None when unavailable (LightGBM then scores).

    The shared library is built in the service's private cache (``var_dir/cache/compiled``,
    mode 0700), never next to the artefact or in a shared temp directory, and loaded only
    when its digest matches the one recorded when this service built it (issue 18)."""
    try:
        import lleaves
    except ImportError:
        return None
    settings = get_settings()
    cache_dir = private_dir(Path(settings.var_dir).resolve() / "cache" / "compiled")
    if cache_dir is None:
        return None
    key = settings.model_signing_key
    target = cache_dir / f"{model_file.stem}-{sha256_file(model_file)}.so"
    trusted = trusted_library(target, key=key)  # deletes an unrecorded or changed library
    model = lleaves.Model(model_file=str(model_file))
    try:
        model.compile(cache=str(target))
    except Exception:  # an LLVM toolchain problem must not stop scoring: LightGBM remains
        return None
    if not trusted:
        record_library(target, key=key)
    return model


class ArtefactError(Unavailable, ValueError):
    """A model artefact is missing, corrupt or incompatible with this code."""


@dataclass
class RiskModel:
    fraud: lgb.Booster
    critical: lgb.Booster | None
    revenue: lgb.Booster | None
    history: History
    vocab: dict[str, list[str]]
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)
    _explainer: Any = field(default=None, repr=False)
    # the single-score path's per-model helpers: fast predictors, category codes
    _single: dict[str, Any] = field(default_factory=dict, repr=False)
    # Scarce labels only (``risk.content``): blended into the fraud score.
    content: lgb.Booster | None = None

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unsaved"))

    def features(self, frame: pd.DataFrame) -> np.ndarray:
        """Scoring features: the same ``build_features`` as training, over stored history."""
        return self.features_from(frame, self.history.lookup(frame))

    def features_from(self, frame: pd.DataFrame, stats: dict[str, np.ndarray]) -> np.ndarray:
        return build_features(frame, stats, self.vocab)

    def predict(self, frame: pd.DataFrame, x: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """fraud and critical probabilities, duty at stake and expected revenue at risk."""
        frame = frame if "duty_at_stake" in frame.columns else derive_columns(frame)
        x = self.features(frame) if x is None else x
        return self.predict_x(x, frame["duty_at_stake"].to_numpy(dtype="float64"))

    def predict_x(self, x: np.ndarray, duty_at_stake: np.ndarray) -> dict[str, np.ndarray]:
        p = self.raw_predict("fraud", x)
        if self.content is not None:
            threads = int(self.metadata.get("n_threads", 1))
            weight = float(self.metadata.get("blend_weight", 1.0))
            p = blend(p, content_predict(self.content, x, threads), weight)
        total = self.history.total
        g = float(total[S["fraud"]] / total[S["n_insp"]]) if total[S["n_insp"]] else 0.0
        # Beta-binomial updates with the kept labels: HS6 x origin cell, then the line.
        for key, k in (("hs6_origin", "posterior_k"), (LINE_KEY, "line_posterior_k")):
            if self.metadata.get(k):
                p = cell_posterior(p, x, g, float(self.metadata[k]), key=key)
        crit = self.raw_predict("critical", x) if self.critical is not None else np.zeros(len(x))
        stake = duty_at_stake
        if self.revenue is not None:
            stake = np.expm1(self.raw_predict("revenue", x))
        return {"fraud": p, "critical": crit, "duty_at_stake": stake, "revenue": p * stake}

    def raw_predict(self, name: str, x: np.ndarray) -> np.ndarray:
        """One model's output. Large batches use the model compiled to native code by
        lleaves (same trees, same output to 1e-12, ~6x faster); small ones LightGBM, one row
        through its single-row C call (``fastpredict``: same output bit for bit)."""
        booster = getattr(self, name)
        threads = int(self.metadata.get("n_threads", 1))
        if len(x) == 1:  # the single-score path: LightGBM's C call without its set-up
            if name not in self._single:
                self._single[name] = single_row_predictor(booster)
            one = self._single[name]
            if one is not None:
                return np.array([one(x[0])])
        if len(x) >= COMPILE_MIN_ROWS and self.path is not None:
            fast = self._fast(name)
            if fast is not None:
                return np.asarray(fast.predict(np.ascontiguousarray(x), n_jobs=threads))
        return np.asarray(booster.predict(x, num_threads=threads))

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """The fraud model's TreeSHAP contributions (log-odds; ``pred_contrib`` layout).
        Large batches use per-tree tables (``treeshap``, same numbers to 1e-12, ~10x
        faster, built once per model); a few rows go to LightGBM."""
        if len(x) < TABLE_MIN_ROWS:
            threads = int(self.metadata.get("n_threads", 1))
            return np.asarray(self.fraud.predict(x, pred_contrib=True, num_threads=threads))
        return np.asarray(self.explainer().contributions(x))

    def category_index(self) -> dict[str, dict[str, float]]:
        """The vocabulary's category codes as dicts (``features.row_features``), built once."""
        if "category_index" not in self._single:
            self._single["category_index"] = category_index(self.vocab)
        index: dict[str, dict[str, float]] = self._single["category_index"]
        return index

    def explainer(self) -> Explainer:
        """The fraud model's per-tree TreeSHAP tables (built once, ~1 s)."""
        if self._explainer is None:
            self._explainer = Explainer(self.fraud)
        explainer: Explainer = self._explainer
        return explainer

    def _fast(self, name: str) -> Any:
        if name not in self._compiled:
            if self.path is not None:
                # the text model is compiled now, maybe long after loading: check it again
                verify_manifest(self.path, key=get_settings().model_signing_key)
            self._compiled[name] = _compile(self.path / f"{name}.txt") if self.path else None
        return self._compiled[name]

    def save(self, out: Path, *, compile_native: bool = False) -> Path:
        """Write the artefact; ``compile_native`` also builds the lleaves native code now
        (several seconds) instead of at the first large batch."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("fraud", "critical", "revenue", "content"):
            booster = getattr(self, name)
            target = out / f"{name}.txt"
            if booster is not None:
                booster.save_model(str(target))
            elif target.exists():
                target.unlink()
        self.history.save(out / "history.parquet")
        meta = {**self.metadata, "vocab": self.vocab}
        (out / "metadata.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        write_manifest(out, key=get_settings().model_signing_key)
        self.path, self._compiled = out, {}
        if compile_native:
            for name in ("fraud", "critical", "revenue"):
                if getattr(self, name) is not None:
                    self._fast(name)
        return out


def load(path: Path | str, *, n_threads: int | None = None) -> RiskModel:
    """Load an artefact directory; refuse one whose features differ from this code's."""
    path = Path(path)
    meta_file = path / "metadata.json"
    if not meta_file.is_file():
        raise ArtefactError(f"{path}: not a risk model artefact (no metadata.json)")
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError as exc:
        raise ArtefactError(f"{meta_file}: invalid JSON ({exc})") from exc
    # nothing of the artefact is used before its digests (and signature) are checked
    verify_manifest(path, key=get_settings().model_signing_key)
    features = meta.get("features")
    if features != list(FEATURES):
        have, want = set(features or []), set(FEATURES)
        raise ArtefactError(
            f"{path}: feature mismatch between artefact and code; "
            f"missing in artefact: {sorted(want - have) or 'none'}; "
            f"unknown to code: {sorted(have - want) or 'none'}"
            + ("; same names in another order" if have == want else "")
            + ". Retrain with `opencustoms risk train`."
        )
    boosters: dict[str, lgb.Booster | None] = {}
    for name in ("fraud", "critical", "revenue"):
        file = path / f"{name}.txt"
        boosters[name] = lgb.Booster(model_file=str(file)) if file.is_file() else None
        booster = boosters[name]
        if booster is not None and booster.feature_name() != list(FEATURES):
            raise ArtefactError(f"{file}: model features differ from metadata.json features")
    if boosters["fraud"] is None:
        raise ArtefactError(f"{path}: fraud.txt missing")
    content_file = path / "content.txt"
    content = lgb.Booster(model_file=str(content_file)) if content_file.is_file() else None
    if content is not None and content.feature_name() != list(CONTENT_FEATURES):
        raise ArtefactError(f"{content_file}: content model features differ from the code's")
    if n_threads is not None:
        meta["n_threads"] = n_threads
    vocab = meta.pop("vocab", {})
    history = History.load(path / "history.parquet")
    return RiskModel(
        boosters["fraud"],
        boosters["critical"],
        boosters["revenue"],
        history,
        vocab,
        meta,
        path,
        content=content,
    )
