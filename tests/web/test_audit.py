"""Audit chain: appends verify; any edited, deleted or truncated entry is named."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.db import get_engine
from opencustoms.settings import get_settings
from opencustoms.workspace import audit
from opencustoms.workspace.users import prepare_database


@pytest.fixture
def engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    eng = get_engine(database_url)
    prepare_database(eng)
    for i in range(5):
        audit.append(
            engine=eng,
            actor=f"user{i}",
            role="officer",
            action="view_risk_detail",
            object_type="declaration",
            object_id=f"D{i}",
            office="40",
            detail={"item": i, "lane": "red", "score": 0.5 + i / 10},
        )
    return eng


def _verify_cli() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def test_intact_chain_verifies(engine: Engine) -> None:
    assert audit.verify(engine=engine).ok
    code, out = _verify_cli()
    assert code == 0, out
    assert "5 entries" in out


def test_edited_row_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE ws_audit SET actor = 'mallory' WHERE seq = 3"))
    code, out = _verify_cli()
    assert code == 1
    assert "entry 3 edited" in out
    assert "entry 2" not in out and "entry 4 " not in out


def test_edited_detail_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        row = conn.execute(text("SELECT detail FROM ws_audit WHERE seq = 2")).scalar_one()
        conn.execute(
            text("UPDATE ws_audit SET detail = :d WHERE seq = 2"),
            {
                "d": (row if isinstance(row, str) else __import__("json").dumps(row)).replace(
                    "red", "green"
                )
            },
        )
    result = audit.verify(engine=engine)
    assert not result.ok
    assert any(p.startswith("entry 2 edited") for p in result.problems)


def test_recomputed_hash_is_caught_by_the_next_entry(engine: Engine) -> None:
    # A forger who also recomputes the edited entry's hash breaks the next link instead.
    with engine.begin() as conn:
        prev = conn.execute(text("SELECT prev_hash FROM ws_audit WHERE seq = 3")).scalar_one()
        conn.execute(text("UPDATE ws_audit SET actor = 'mallory' WHERE seq = 3"))
    from opencustoms.db import session_scope
    from opencustoms.workspace.models import AuditRow

    with session_scope(engine) as s:
        row = s.get(AuditRow, 3)
        assert row is not None
        content = {k: getattr(row, k) for k in audit._CONTENT_FIELDS}
        row.hash = audit.entry_hash(prev, content)
    problems = audit.verify(engine=engine).problems
    assert any("entry 4" in p for p in problems)


def test_deleted_row_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ws_audit WHERE seq = 2"))
    code, out = _verify_cli()
    assert code == 1
    assert "entry 2 deleted" in out


def test_truncated_tail_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ws_audit WHERE seq >= 4"))
    problems = audit.verify(engine=engine).problems
    assert problems == ["entries 4..5 deleted (the chain ends at 3 but the head records 5)"]


def test_office_register_is_configurable(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from opencustoms.settings import Settings
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user, list_offices

    register = tmp_path / "offices.yaml"
    register.write_text(
        'reference: "test register"\noffices:\n'
        '  - {code: "X1", name: "Test Customs", kind: customs_office}\n'
    )
    app = create_app(
        Settings(database_url="sqlite://", offices_file=register, var_dir=tmp_path / "var")
    )
    engine = app.state.ws.engine
    assert [o.code for o in list_offices(engine=engine)] == ["X1"]
    user = create_user(
        engine=engine,
        data=UserCreate(username="chief", password="long-enough-1", role="admin", office="X1"),
    )
    token, _ = issue_token(engine=engine, user=user)
    offices = TestClient(app).get("/api/offices", headers={"Authorization": f"Bearer {token}"})
    assert offices.json() == [
        {"code": "X1", "name": "Test Customs", "kind": "customs_office", "parent": None,
         "name_ko": None}
    ]  # fmt: skip
