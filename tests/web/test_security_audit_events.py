"""Issue 18, finding 9: actions that were not audited now are.

Before the fix none of these wrote an audit entry: CLI ingest, inspect and override-lane
(whose --officer/--user is free text), model training, reads of the audit log, user
listing, logout and bulk scoring."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opencustoms.cli.main import app as cli
from opencustoms.db import get_engine
from opencustoms.settings import Settings, get_settings
from opencustoms.workspace import audit

from .conftest import KCS_VALID, PASSWORD, World, auth
from .test_api_risk import DECL


def _actions(engine, actor_prefix: str = "") -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def,type-arg]
    _, entries = audit.list_entries(engine=engine, limit=1000)
    return [(e.actor, e.action, e.detail) for e in entries if e.actor.startswith(actor_prefix)]


def test_cli_actions_are_audited_with_the_os_account(tmp_path: Path) -> None:
    data = tmp_path / "items.csv"
    rows = pd.read_csv(KCS_VALID, dtype=str).head(5)
    rows.to_csv(data, index=False)
    runner = CliRunner()
    res = runner.invoke(cli, ["declarations", "ingest", str(data), "--no-progress"])
    assert res.exit_code == 0, res.output
    decl = str(rows["Declaration ID"].iloc[0])
    res = runner.invoke(
        cli, ["risk", "inspect", decl, "--fraud", "--officer", "someone else entirely"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        cli,
        [
            "risk",
            "override-lane",
            decl,
            "--lane",
            "red",
            "--reason",
            "seen at the border",
            "--user",
            "x",
        ],
    )
    assert res.exit_code == 0, res.output
    engine = get_engine(get_settings().resolved_database_url)
    found = _actions(engine, "cli:")
    actions = {a for _, a, _ in found}
    assert {"ingest", "inspection", "lane_override"} <= actions, found
    inspection = next(d for _, a, d in found if a == "inspection")
    assert inspection["user_as_typed"] == "someone else entirely"


def test_web_reads_and_logout_are_audited(
    client: TestClient, world: World, settings: Settings
) -> None:
    engine = get_engine(settings.resolved_database_url)
    admin = auth(world, "admin")
    assert client.get("/api/users", headers=admin).status_code == 200
    assert client.get("/api/audit", headers=admin).status_code == 200
    r = client.post(
        "/api/risk/score-batch", headers=auth(world, "analyst"), json={"declarations": [DECL]}
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get("/queue")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert r.status_code == 303
    recent = {(actor, action) for actor, action, _ in _actions(engine)[:20]}
    assert ("admin", "user_list") in recent
    assert ("admin", "audit_read") in recent
    assert ("analyst", "score_batch") in recent
    assert ("officer", "logout") in recent
