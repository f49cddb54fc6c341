"""Issue 18, findings 1 and 2: ingest must not read or write across offices.

An officer of office 40 posts items keyed on an office-20 declaration. Before the fix the
quarantine reasons quoted the stored row (importer, declarant, price...) and a new item
number was stored on the other office's declaration, taking it from its trader."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from opencustoms.db import get_engine
from opencustoms.declarations.models import declarations
from opencustoms.web.routes.declarations import EXAMPLE_RECORD

from .conftest import OWN, World, auth


def _stored(settings, declaration_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    engine = get_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(declarations).where(declarations.c.declaration_id == declaration_id)
        ).mappings()
        return [dict(r) for r in rows]


def _post(client: TestClient, world: World, records: list[dict]) -> dict:  # type: ignore[type-arg]
    r = client.post("/api/declarations", json={"records": records}, headers=auth(world, "officer"))
    assert r.status_code == 200, r.text
    return r.json()


def test_conflict_reasons_reveal_nothing_of_another_office(
    client: TestClient, world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    target = world.other_ids[0]
    before = _stored(settings, target)
    assert before and before[0]["office_id"] != OWN
    secret = {
        str(before[0][f])
        for f in ("importer_id", "declarant_id", "seller_id", "item_price_krw", "net_mass_kg")
        if before[0][f] is not None
    }
    existing = {**EXAMPLE_RECORD, "declaration_id": target, "item_no": 1, "office_id": OWN}
    fresh = {**existing, "item_no": 2}
    body = _post(client, world, [existing])
    text = json.dumps(body)
    leaked = [s for s in secret if s in text]
    assert not leaked, f"conflict reasons leak the stored row: {leaked} in {text}"
    assert body["summary"]["stored"] == 0
    # A new item number on the foreign declaration: refused, with the very same answer,
    # so the reply does not tell whether item 1 exists.
    body2 = _post(client, world, [fresh])
    assert body2["summary"]["stored"] == 0, "item added to another office's declaration"
    assert body2["quarantined_rows"][0]["reasons"] == body["quarantined_rows"][0]["reasons"]
    assert _stored(settings, target) == before


def test_items_of_a_declaration_share_office_and_owner(client: TestClient, world: World) -> None:
    first = {**EXAMPLE_RECORD, "declaration_id": "SEC-18-2", "item_no": 1, "office_id": OWN}
    body = _post(client, world, [first])
    assert body["summary"]["stored"] == 1
    # Same office, another importer: the declaration's trader would lose access.
    other_owner = {**first, "item_no": 2, "importer_id": "ZZZ9999"}
    same_owner = {**first, "item_no": 3, "item_price_krw": 99}
    body = _post(client, world, [other_owner, same_owner])
    assert body["summary"]["stored"] == 1
    assert [q["row_number"] for q in body["quarantined_rows"]] == [1]
