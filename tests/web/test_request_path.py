"""The single-score request path made cheaper (issue 20) without weakening revocation
(issue 18, finding 7): the user is looked up once per request and never remembered past
it, and the served app warms up (model loaded, long-lived objects frozen away from the
garbage collector) as it starts."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opencustoms.cli.main import app as cli
from opencustoms.db import get_engine
from opencustoms.settings import Settings
from opencustoms.web.routes.risk.scores import EXAMPLE
from opencustoms.workspace import sessions, users
from opencustoms.workspace.models import UserCreate

from .conftest import World, auth

PASSWORD = "request-path-pass-1"


def test_one_token_lookup_per_request(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = sessions.user_for_token

    def counted(**kw: Any) -> Any:
        calls.append(kw["token"])
        return real(**kw)

    monkeypatch.setattr(sessions, "user_for_token", counted)
    r = client.post("/api/risk/score", headers=auth(world, "officer"), json=EXAMPLE)
    assert r.status_code == 200, r.text
    assert len(calls) == 1
    client.post("/api/risk/score", headers=auth(world, "officer"), json=EXAMPLE)
    assert len(calls) == 2  # the next request looks the token up again


def test_a_revoked_token_is_refused_on_the_very_next_request(
    client: TestClient, settings: Settings
) -> None:
    engine = get_engine(settings.resolved_database_url)
    user = users.create_user(
        engine=engine,
        data=UserCreate(username="pathrevoke", password=PASSWORD, role="officer", office="40"),  # type: ignore[arg-type]
    )
    token, _ = sessions.issue_token(engine=engine, user=user)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/risk/score", headers=bearer, json=EXAMPLE).status_code == 200
    sessions.revoke_user(engine=engine, user_id=user.id)
    r = client.post("/api/risk/score", headers=bearer, json=EXAMPLE)
    assert r.status_code == 401 and r.json()["detail"] == "invalid or expired token"


def test_a_role_check_refuses_with_the_looked_up_user(client: TestClient, world: World) -> None:
    # Staff-only route, trader token: the flattened role check still refuses.
    r = client.post("/api/risk/score", headers=auth(world, "trader"), json=EXAMPLE)
    assert r.status_code == 403 and "role 'trader' may not do this" in r.json()["detail"]
    assert client.post("/api/risk/score", json=EXAMPLE).status_code == 401


def test_the_served_app_loads_the_model_and_freezes_before_serving(
    settings: Settings, world: World
) -> None:
    from opencustoms.web.app import serve_app

    gc.unfreeze()
    try:
        app = serve_app()
        assert "model" not in app.state.ws.risk._cache
        with TestClient(app) as c:  # runs the lifespan, as uvicorn does before serving
            app.state.warm_up.join(timeout=300)
            assert "model" in app.state.ws.risk._cache
            assert gc.get_freeze_count() > 0
            r = c.post("/api/risk/score", headers=auth(world, "officer"), json=EXAMPLE)
            assert r.status_code == 200, r.text
    finally:
        gc.unfreeze()


def test_serve_refuses_an_unknown_loop_or_parser() -> None:
    r = CliRunner().invoke(cli, ["serve", "--loop", "tokio"])
    assert r.exit_code == 2 and "loop: 'tokio' is not one of auto, uvloop, asyncio" in r.output
    r = CliRunner().invoke(cli, ["serve", "--http", "h3"])
    assert r.exit_code == 2 and "http: 'h3' is not one of auto, httptools, h11" in r.output
