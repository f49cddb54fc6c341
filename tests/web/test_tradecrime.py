"""Trade-crime alert pages: what an analyst sees, and that every view is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from opencustoms.db import get_engine
from opencustoms.workspace.models import AuditRow

from .conftest import World, auth
from .matrix.tradecrime import ALERT_ID, _prepare


def test_analyst_sees_list_and_alert_page_and_views_are_audited(
    client: TestClient, world: World
) -> None:
    _prepare(world.env["OPENCUSTOMS_VAR_DIR"])
    h = auth(world, "analyst")
    listing = client.get("/tradecrime/alerts", headers=h, params={"format": "json"})
    assert listing.status_code == 200
    assert [a["alert_id"] for a in listing.json()["alerts"]] == [ALERT_ID]
    page = client.get(f"/tradecrime/alerts/{ALERT_ID}", headers=h)
    assert page.status_code == 200
    for part in ("evidence-declarations", "timeline-data", "subgraph-data", "cytoscape.min.js"):
        assert part in page.text
    detail = client.get(f"/tradecrime/alerts/{ALERT_ID}", headers=h, params={"format": "json"})
    assert detail.json()["timeline"] and detail.json()["evidence"]["declarations"]
    with get_engine(world.env["OPENCUSTOMS_DATABASE_URL"]).connect() as conn:
        actions = (
            conn.execute(select(AuditRow.action).where(AuditRow.actor == "analyst")).scalars().all()
        )
    assert "tradecrime.alerts.view" in actions and "tradecrime.alert.view" in actions
    officer = client.get("/tradecrime/alerts", headers=auth(world, "officer"))
    assert officer.status_code == 403
