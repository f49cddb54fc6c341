"""Issue 18, finding 8: audit anchoring (keyed chain and checkpoints outside the database).

Before the fix, two attacks by someone able to write the database passed ``audit verify``:
deleting the newest entries together with the head row (set back to the last kept
entry), and rewriting an entry and recomputing every later hash with plain SHA-256."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.db import get_engine, session_scope
from opencustoms.settings import get_settings
from opencustoms.workspace import audit
from opencustoms.workspace.models import AuditHeadRow, AuditRow
from opencustoms.workspace.users import prepare_database


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", url)
    monkeypatch.setenv("OPENCUSTOMS_AUDIT_KEY", "kept-out-of-the-database")
    monkeypatch.setenv("OPENCUSTOMS_AUDIT_CHECKPOINT_EVERY", "4")
    get_settings.cache_clear()
    eng = get_engine(url)
    prepare_database(eng)
    for i in range(10):
        audit.append(
            engine=eng,
            actor=f"user{i}",
            role="officer",
            action="lane_override",
            object_type="declaration",
            object_id=f"D{i}",
            office="40",
            detail={"lane": "red"},
        )
    return eng


def _verify() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def test_intact_chain_verifies_against_its_checkpoint(engine: Engine) -> None:
    result = audit.verify(engine=engine)
    assert result.ok and result.checkpoint == 8, result.problems
    assert Path(str(get_settings().audit_checkpoint_file)).is_file()


def test_tail_deleted_with_the_head_row_is_caught(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ws_audit WHERE seq >= 6"))
        last = conn.execute(text("SELECT hash FROM ws_audit WHERE seq = 5")).scalar_one()
        conn.execute(text("UPDATE ws_audit_head SET seq = 5, hash = :h"), {"h": last})
    code, out = _verify()
    assert code == 1, out
    assert "checkpoint" in out and "records entry 8" in out


def test_rewritten_entry_with_recomputed_hashes_is_caught(engine: Engine) -> None:
    # The forger edits entry 3 and recomputes every later hash: without the key they
    # can only use plain SHA-256.
    with session_scope(engine) as s:
        rows = s.query(AuditRow).order_by(AuditRow.seq).all()
        prev = audit.GENESIS
        for row in rows:
            if row.seq == 3:
                row.actor = "mallory"
            row.prev_hash = prev
            content = {k: getattr(row, k) for k in audit._CONTENT_FIELDS}
            row.hash = audit.entry_hash(prev, content) if row.seq >= 3 else row.hash
            prev = row.hash
        head = s.get(AuditHeadRow, 1)
        assert head is not None
        head.hash = prev
    code, out = _verify()
    assert code == 1, out
    assert "entry 3 rewritten without the audit key" in out
    assert "differs from the checkpoint" in out


def test_a_forged_checkpoint_is_caught(engine: Engine) -> None:
    path = Path(str(get_settings().audit_checkpoint_file))
    path.write_text(path.read_text().replace('"seq": 8', '"seq": 4', 1))
    assert any("MAC" in p for p in audit.verify(engine=engine).problems)
