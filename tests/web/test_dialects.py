"""The workspace flow on both database dialects: queue, detail, inspection, override,
dashboard and the audit chain (SQLite always; PostgreSQL when the test server is set)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from .conftest import KCS_VALID, World


def test_workspace_flow(
    database_url: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opencustoms.declarations.service import ingest_file
    from opencustoms.risk import service
    from opencustoms.settings import Settings, get_settings
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user

    for key in ("OPENCUSTOMS_MODEL_DIR", "OPENCUSTOMS_RULES_DIR", "OPENCUSTOMS_RISK_CAPACITY_FILE"):
        monkeypatch.setenv(key, world.env[key])
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    sample = tmp_path / "sample.csv"
    frame = pd.read_csv(KCS_VALID, dtype=str)
    frame[frame["Office ID"] == "40"].head(150).to_csv(sample, index=False)
    app = create_app(Settings())
    engine = app.state.ws.engine
    ingest_file(path=sample, profile="kcs", engine=engine)
    assert service.score_store(engine=engine).scored == 150
    user = create_user(
        engine=engine,
        data=UserCreate(username="sup", password="dialect-pass-1", role="supervisor", office="40"),
    )
    token, _ = issue_token(engine=engine, user=user)
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as c:
        q = c.get(
            "/api/offices/40/queue",
            headers=h,
            params={"lane": "all", "sort": "price", "order": "desc", "page_size": 5},
        )
        assert q.status_code == 200 and q.json()["total"] == 150
        prices = [i["item_price_krw"] for i in q.json()["items"]]
        assert prices == sorted(prices, reverse=True)
        decl = q.json()["items"][0]["declaration_id"]
        assert c.get(f"/api/declarations/{decl}", headers=h).status_code == 200
        assert (
            c.post(
                f"/api/declarations/{decl}/inspection",
                headers=h,
                json={"fraud": True, "additional_duty": 10},
            ).status_code
            == 201
        )
        r = c.post(
            f"/api/declarations/{decl}/lane",
            headers=h,
            json={"lane": "red", "reason": "dialect check"},
        )
        assert r.status_code == 200
        red = c.get("/api/offices/40/queue", headers=h, params={"lane": "red"}).json()
        assert decl in [i["declaration_id"] for i in red["items"]]
        totals = c.get("/api/dashboard", headers=h).json()["totals"]
        assert (totals["inspected"], totals["hits"], totals["revenue"]) == (1, 1, 10.0)
    from opencustoms.workspace.audit import verify

    result = verify(engine=engine)
    assert result.ok and result.entries >= 3
