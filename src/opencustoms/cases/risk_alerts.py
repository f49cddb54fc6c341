"""Risk lanes into the triage queue: every item currently in a lane the policy names (red
and blue by default) becomes an alert of source ``risk``.

The current lane is the latest supervisor override, else the latest assessment (the
risk engine's definition: ``risk.assessments.latest_ids``). An alert is
about the declaration (subject type ``declaration``); items of one declaration fold into
one alert by the usual deduplication. The detector alert id is the assessment (or override)
row, so running this twice changes nothing and a rescoring adds to the same matter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine, select

from opencustoms.cases.access import SYSTEM, ActorLike
from opencustoms.cases.alerts import ImportResult, IncomingAlert, import_alerts
from opencustoms.cases.policy import Policy, load_policy
from opencustoms.risk.assessments import latest_ids
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.models import risk_assessments as ra
from opencustoms.risk.models import risk_lane_overrides as ov

SOURCE = "risk"


def lane_alerts(
    *,
    engine: Engine,
    office: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    policy: Policy | None = None,
    on: dt.date | None = None,
) -> list[IncomingAlert]:
    """Alerts for the items whose current lane is one the policy sends to triage."""
    policy = policy or load_policy()
    rule = policy.risk_lane_rule(on=on or dt.date.today())
    lanes = set(rule.lanes)
    latest = latest_ids(ra, office=office)
    q = select(ra).join(latest, ra.c.id == latest.c.id)
    if date_from is not None:
        q = q.where(ra.c.declaration_date >= date_from)
    if date_to is not None:
        q = q.where(ra.c.declaration_date <= date_to)
    with engine.connect() as conn:
        rows = {(r.declaration_id, r.item_no): r for r in conn.execute(q)}
        latest_ov = latest_ids(ov)
        overrides = {
            (r.declaration_id, r.item_no): r
            for r in conn.execute(select(ov).join(latest_ov, ov.c.id == latest_ov.c.id))
        }
    out = []
    for key, r in sorted(rows.items()):
        override = overrides.get(key)
        lane = override.lane if override is not None else r.lane
        if lane not in lanes:
            continue
        texts = reasons_text(r.reasons or [])[:3]
        if override is not None:
            texts.insert(0, f"lane set to {lane} by {override.user}: {override.reason}")
        ext = f"ov{override.id}" if override is not None else f"as{r.id}"
        out.append(
            IncomingAlert(
                external_id=f"{r.declaration_id}/{r.item_no}/{ext}",
                typology=f"{rule.typology_prefix}{lane}",
                subject_id=str(r.declaration_id),
                subject_type="declaration",
                score=float(min(max(r.score, 0.0), 1.0)),
                period_start=r.declaration_date,
                period_end=r.declaration_date,
                amount_krw=float(max(r.revenue_at_risk, 0.0)),
                evidence={"declarations": [str(r.declaration_id)]},
                explanation="; ".join(texts) or f"risk score {r.score:.2f}",
                office=str(r.office_id),
            )
        )
    return out


def import_risk_lanes(
    *,
    engine: Engine,
    actor: ActorLike = SYSTEM,
    office: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Raise alerts for red/blue items (per the policy) and import them, deduplicating."""
    alerts = lane_alerts(engine=engine, office=office, date_from=date_from, date_to=date_to)
    return import_alerts(
        engine=engine, alerts=alerts, source=SOURCE, actor=actor, now=now, progress=progress
    )
