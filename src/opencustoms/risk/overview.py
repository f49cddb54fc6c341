"""The national overview for headquarters: one row per customs office with its volume,
selection, inspections, hit rate (counts and interval), revenue found and backlog by age.

Support centres have no team of their own (``offices.yaml`` ``parent``): their
declarations count at their parent customs office, as the capacity plan pools them.
Codes that are not in the register get their own row, marked unknown, so nothing is
silently dropped. "Selected" is ``lanes.SELECTED_LANES``, as in the queue and dashboard;
backlog = selected and no result recorded yet, aged from the declaration date.

>>> import datetime as dt, pandas as pd
>>> from opencustoms.workspace.models import Office
>>> reg = {"40": Office(code="40", name="Airport", kind="customs_office"),
...        "156": Office(code="156", name="Express", kind="support_centre", parent="40")}
>>> f = pd.DataFrame({"office_id": ["40", "156", "999"], "declaration_date":
...     pd.to_datetime(["2021-03-01", "2021-03-08", "2021-03-08"]), "lane": ["red", "yellow",
...     "green"], "inspected": [True, False, False], "fraud": [1.0, 0, 0],
...     "additional_duty": [500.0, 0, 0], "recorded_at": pd.to_datetime(["2021-03-02", None,
...     None], utc=True)})
>>> o = national(f, register=reg, today=dt.date(2021, 3, 10))
>>> [(r.office, r.declarations, r.selected, r.backlog, r.known) for r in o.offices]
[('40', 2, 2, 1, True), ('999', 1, 0, 0, False)]
>>> o.offices[0].backlog_by_age
{'<= 1 d': 0, '2-7 d': 1, '8-30 d': 0, '> 30 d': 0}
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from opencustoms.risk.lanes import SELECTED_LANES
from opencustoms.risk.rates import HitRate, hit_rate, reporting
from opencustoms.workspace.models import Office


class OfficeFigures(BaseModel):
    office: str
    name: str | None = Field(description="Register name; None when the code is unknown")
    name_ko: str | None = None
    known: bool
    support_centres: list[str] = Field(description="Support centre codes counted here")
    declarations: int
    selected: int
    inspected: int
    hits: int
    hit_rate: HitRate
    revenue: float = Field(description="Additional duty found (KRW)")
    backlog: int = Field(description="Selected, no result recorded yet")
    backlog_by_age: dict[str, int] = Field(description="Backlog by days since declaration")


class Overview(BaseModel):
    as_of: str = Field(description="The day backlog ages are counted to")
    selected_lanes: list[str]
    age_buckets: list[str]
    offices: list[OfficeFigures]
    totals: OfficeFigures


def age_labels(bounds: list[int]) -> list[str]:
    """Bucket labels of backlog ages.

    >>> age_labels([1, 7, 30])
    ['<= 1 d', '2-7 d', '8-30 d', '> 30 d']
    """
    labels = [f"<= {bounds[0]} d"]
    labels += [f"{lo + 1}-{hi} d" for lo, hi in itertools.pairwise(bounds)]
    return [*labels, f"> {bounds[-1]} d"]


def _home(code: str, register: dict[str, Office]) -> str:
    office = register.get(code)
    if office is not None and office.kind == "support_centre" and office.parent:
        return office.parent
    return code


def national(
    frame: pd.DataFrame, *, register: dict[str, Office], today: dt.date | None = None
) -> Overview:
    """Per customs office of the register (all of them, busiest first, offices with no
    declaration last) plus unknown codes; ``frame`` has ``queue.dashboard_frame`` columns."""
    today = today or dt.date.today()
    bounds = reporting().backlog_age_days
    labels = age_labels(bounds)
    f = frame.copy()
    f["home"] = [_home(str(c), register) for c in f["office_id"]]
    f["sel"] = f["lane"].isin(SELECTED_LANES)
    f["done"] = f["inspected"].fillna(False).astype(bool)
    f["hit"] = f["done"] & (f["fraud"].fillna(0).astype(float) > 0)
    f["rev"] = f["additional_duty"].fillna(0.0).astype(float).where(f["done"], 0.0)
    f["open"] = f["sel"] & ~f["done"]
    age = (pd.Timestamp(today) - pd.to_datetime(f["declaration_date"])).dt.days
    f["bucket"] = np.searchsorted(np.asarray(bounds), age.to_numpy(), side="left")
    homes = [o.code for o in register.values() if o.kind != "support_centre"]
    homes += sorted(set(f["home"]) - set(homes))
    centres: dict[str, list[str]] = {}
    for o in register.values():
        if o.kind == "support_centre" and o.parent:
            centres.setdefault(o.parent, []).append(o.code)

    def figures(code: str, part: pd.DataFrame) -> OfficeFigures:
        office = register.get(code)
        backlog = part[part["open"]]
        counts = backlog["bucket"].value_counts()
        hits, done = int(part["hit"].sum()), int(part["done"].sum())
        return OfficeFigures(
            office=code,
            name=office.name if office else None,
            name_ko=office.name_ko if office else None,
            known=office is not None,
            support_centres=sorted(centres.get(code, [])),
            declarations=len(part),
            selected=int(part["sel"].sum()),
            inspected=done,
            hits=hits,
            hit_rate=hit_rate(hits, done),
            revenue=float(part["rev"].sum()),
            backlog=len(backlog),
            backlog_by_age={label: int(counts.get(i, 0)) for i, label in enumerate(labels)},
        )

    groups = dict(tuple(f.groupby("home"))) if len(f) else {}
    rows = [figures(code, groups.get(code, f.iloc[0:0])) for code in homes]
    rows.sort(key=lambda r: (-r.declarations, not r.known, r.office))
    total = figures("all", f)
    total.name, total.known = "All offices", True
    return Overview(
        as_of=today.isoformat(),
        selected_lanes=list(SELECTED_LANES),
        age_buckets=labels,
        offices=rows,
        totals=total,
    )
