"""Screening faces: the review queue and match pages render, decisions are audited."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from opencustoms.db import make_engine
from opencustoms.screening.lists import Entity, ListVersion, Loaded, Party
from opencustoms.screening.review import import_list, queue, screen_into_queue
from opencustoms.workspace.models import AuditRow

from .conftest import World, auth

ENTITY = Entity("WEB-E1", "Person", "PAK Song Chol", ("박성철",), ("KP",), ("1962-05-04",),
                "UN-DPRK", "2017-08-05")  # fmt: skip


def _match(world: World) -> tuple[sa.Engine, int]:
    engine = make_engine(world.env["OPENCUSTOMS_DATABASE_URL"])
    loaded = Loaded(ListVersion("web.csv", "w" * 64, "web-1", "2026-11-26"), [ENTITY])
    import_list(engine=engine, loaded=loaded)
    party = Party("WEB-P1", "박성철", "KP", "1962-05-04", "end_user", "D-WEB-1")
    screen_into_queue(engine=engine, parties=[party], threshold=0.0)
    found = [m for m in queue(engine=engine, limit=1000) if m["party_id"] == "WEB-P1"]
    return engine, int(found[0]["id"])


def test_queue_and_match_pages_show_both_names_and_the_features(
    client: TestClient, world: World
) -> None:
    _, match_id = _match(world)
    page = client.get("/screening", headers=auth(world, "analyst"))
    assert page.status_code == 200 and "박성철" in page.text
    detail = client.get(f"/screening/matches/{match_id}", headers=auth(world, "officer"))
    assert detail.status_code == 200
    for text in ("박성철", "PAK Song Chol", "UN-DPRK", "dob_match", "birth date agrees"):
        assert text in detail.text, text
    assert 'id="true-match-button"' in detail.text


def test_decisions_are_stored_audited_and_refused_to_readers(
    client: TestClient, world: World
) -> None:
    engine, match_id = _match(world)
    denied = client.post(f"/screening/matches/{match_id}/decision", headers=auth(world, "analyst"),
                         json={"decision": "true_match"})  # fmt: skip
    assert denied.status_code == 403
    bad = client.post(f"/screening/matches/{match_id}/decision", headers=auth(world, "officer"),
                      json={"decision": "block"})  # fmt: skip
    assert bad.status_code == 422
    done = client.post(f"/screening/matches/{match_id}/decision", headers=auth(world, "officer"),
                       json={"decision": "true_match", "note": "passport seen"})  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "true_match"
    shown = client.get(f"/screening/matches/{match_id}", headers=auth(world, "officer"),
                       params={"format": "json"})  # fmt: skip
    decision = shown.json()["match"]["decisions"][-1]
    assert decision["decided_by"] == "officer" and decision["note"] == "passport seen"
    with engine.connect() as conn:
        actions = (
            conn.execute(sa.select(AuditRow.action).where(AuditRow.object_id == str(match_id)))
            .scalars()
            .all()
        )
    assert "screening.true_match" in actions
