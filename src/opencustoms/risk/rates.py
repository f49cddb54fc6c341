"""Hit rates as officers should read them: counts, a Wilson interval, and no percentage
from a handful of inspections (settings in ``data/risk/reporting.yaml``)."""

from __future__ import annotations

import math
from functools import lru_cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, computed_field

from opencustoms.settings import PACKAGE_DATA_DIR


class Reporting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str
    confidence_z: float = Field(gt=0)
    confidence_label: str
    min_inspections_for_rate: int = Field(ge=1)
    backlog_age_days: list[int] = Field(min_length=1)


@lru_cache(maxsize=1)
def reporting() -> Reporting:
    """The reporting convention in force (``data/risk/reporting.yaml``)."""
    path = PACKAGE_DATA_DIR / "risk" / "reporting.yaml"
    return Reporting.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval of ``hits`` successes in ``n`` trials (None when n is 0).

    One inspection that found fraud is compatible with a true rate of 21 % to 100 %:

    >>> [round(v, 3) for v in wilson(1, 1)]
    [0.207, 1.0]
    >>> [round(v, 3) for v in wilson(30, 100)]
    [0.219, 0.396]
    >>> wilson(0, 0) is None
    True
    """
    if n <= 0:
        return None
    if not 0 <= hits <= n:
        raise ValueError(f"hits must be between 0 and n ({n}), got {hits}")
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


class HitRate(BaseModel):
    """Frauds found among inspections, with its interval; ``rate`` is None below the
    minimum count, so a page never shows 100 % from one inspection."""

    hits: int
    inspected: int
    rate: float | None
    low: float | None
    high: float | None
    confidence: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """``12.5% (3/24, 95% CI 4.3-31.0%)`` or ``1/1 (95% CI 20.7-100.0%)``."""
        if self.inspected == 0 or self.low is None or self.high is None:
            return "no inspections"
        ci = f"{self.confidence} CI {100 * self.low:.1f}-{100 * self.high:.1f}%"
        counts = f"{self.hits}/{self.inspected}"
        if self.rate is None:
            return f"{counts} ({ci})"
        return f"{100 * self.rate:.1f}% ({counts}, {ci})"


def hit_rate(hits: int, inspected: int) -> HitRate:
    """The reported hit rate of ``hits`` frauds in ``inspected`` inspections.

    >>> hit_rate(1, 1).text
    '1/1 (95% CI 20.7-100.0%)'
    >>> hit_rate(3, 24).text
    '12.5% (3/24, 95% CI 4.3-31.0%)'
    """
    cfg = reporting()
    interval = wilson(hits, inspected, cfg.confidence_z)
    low, high = interval if interval is not None else (None, None)
    shown = inspected >= cfg.min_inspections_for_rate
    return HitRate(
        hits=hits,
        inspected=inspected,
        rate=hits / inspected if shown else None,
        low=low,
        high=high,
        confidence=cfg.confidence_label,
    )
