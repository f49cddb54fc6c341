"""Misclassification flags: is the declared HS code plausible for the goods description?

A declared code is flagged when it is not among the ``plausible_top`` suggestions. The duty-rate
difference between the best suggestion and the declared code is the incentive: a positive
difference means the declared code pays less than the suggested one.

``flag_features`` turns a declarations frame into columns the risk engine can use.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from opencustoms.declarations.types import check_hs_code
from opencustoms.hs.models import MisclassificationFlag
from opencustoms.hs.service import _rank
from opencustoms.hs.tariff_link import RateLookup, default_rate_lookup
from opencustoms.hs.text import QueryError

PLAUSIBLE_TOP = 10
NOT_RANKED = 999  # the declared code is beyond the depth considered (or unknown)


def misclassification_flag(
    *,
    description: str,
    declared_hs: str,
    engine: Engine | None = None,
    plausible_top: int = PLAUSIBLE_TOP,
    rate_lookup: RateLookup | None = None,
    declared_rate: float | None = None,
) -> MisclassificationFlag:
    """Check one declared code against the description.

    ``rate_lookup`` (HS code -> ad-valorem %) defaults to the tariff engine's; when neither
    knows a rate the flag says "rate unknown". ``declared_rate`` (e.g. the declaration's own
    tax rate) takes precedence for the declared code.
    """
    try:
        declared = check_hs_code(str(declared_hs).replace(".", "").strip())
    except ValueError as exc:
        raise ValueError(f"declared_hs: {exc}") from exc
    if len(declared) < 6:
        raise ValueError("declared_hs: at least 6 digits are needed")
    ranking = _rank(description, engine=engine)
    clf, scores = ranking.classifier, ranking.scores
    codes = clf.index.codes
    top = codes[int(np.argmax(scores))]
    hs6 = declared[:6]
    rank: int | None = None
    if hs6 in clf.index.kb.subheadings:
        rank = int((scores > scores[clf.row_of[hs6]]).sum()) + 1
    flagged = rank is None or rank > plausible_top
    if rate_lookup is None:
        rate_lookup, note = default_rate_lookup()
    else:
        note = "caller-supplied rate lookup"
    d_rate = (
        declared_rate if declared_rate is not None else (rate_lookup(hs6) if rate_lookup else None)
    )
    s_rate = rate_lookup(top) if rate_lookup else None
    diff = None if d_rate is None or s_rate is None else round(s_rate - d_rate, 4)
    if diff is None and rate_lookup is not None:
        note = f"rate unknown for {hs6 if d_rate is None else top} ({note})"
    if rank is None and hs6 not in clf.index.kb.subheadings:
        reason = f"{hs6} is not an HS 2022 subheading"
    elif flagged:
        reason = f"declared {hs6} ranks {rank} for this description; {top} ranks first"
    else:
        reason = f"declared {hs6} is plausible (rank {rank})"
    return MisclassificationFlag(
        declared_hs=declared,
        flagged=flagged,
        declared_rank=rank,
        suggested_hs6=top,
        suggested_description=clf.index.kb.subheadings[top].description,
        declared_rate=d_rate,
        suggested_rate=s_rate,
        rate_difference=diff,
        rate_note=note,
        reason=reason,
    )


FEATURE_COLUMNS = (
    "hs_flag",
    "hs_declared_rank",
    "hs_declared_in_top5",
    "hs_same_heading",
    "hs_same_chapter",
    "hs_rate_difference",
)


def flag_features(
    frame: pd.DataFrame,
    *,
    description_col: str = "goods_description",
    hs_col: str = "hs_code",
    rate_col: str | None = "tax_rate",
    engine: Engine | None = None,
) -> pd.DataFrame:
    """Risk features per row (index preserved); rows without a usable description get NaN.

    About 30 ms per distinct description; repeated descriptions are ranked once.
    """
    for col in (description_col, hs_col):
        if col not in frame.columns:
            raise KeyError(f"{col}: column missing from the frame")
    lookup, _ = default_rate_lookup()
    cache: dict[tuple[str, str, float | None], dict[str, float]] = {}
    rows: list[dict[str, float]] = []
    for desc, code, rate in zip(
        frame[description_col],
        frame[hs_col],
        frame[rate_col] if rate_col and rate_col in frame.columns else [None] * len(frame),
        strict=True,
    ):
        rate_val = (
            None if rate is None or (isinstance(rate, float) and math.isnan(rate)) else float(rate)
        )
        key = (str(desc), str(code), rate_val)
        if key not in cache:
            cache[key] = _row_features(desc, code, rate_val, engine, lookup)
        rows.append(cache[key])
    return pd.DataFrame(rows, index=frame.index, columns=list(FEATURE_COLUMNS))


def _row_features(
    desc: object, code: object, rate: float | None, engine: Engine | None, lookup: RateLookup | None
) -> dict[str, float]:
    empty = dict.fromkeys(FEATURE_COLUMNS, math.nan)
    if not isinstance(desc, str) or code is None or (isinstance(code, float) and math.isnan(code)):
        return empty
    try:
        flag = misclassification_flag(
            description=desc,
            declared_hs=str(code),
            engine=engine,
            rate_lookup=lookup,
            declared_rate=rate,
        )
    except (QueryError, ValueError):
        return empty
    declared = flag.declared_hs[:6]
    return {
        "hs_flag": float(flag.flagged),
        "hs_declared_rank": float(flag.declared_rank or NOT_RANKED),
        "hs_declared_in_top5": float((flag.declared_rank or NOT_RANKED) <= 5),
        "hs_same_heading": float(declared[:4] == flag.suggested_hs6[:4]),
        "hs_same_chapter": float(declared[:2] == flag.suggested_hs6[:2]),
        "hs_rate_difference": math.nan if flag.rate_difference is None else flag.rate_difference,
    }
