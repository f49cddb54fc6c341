"""Review queue on both databases: decisions stored with user and time, remembered."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opencustoms.db import Base, make_engine, migrate
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.screening import models
from opencustoms.screening.lists import Entity, ListVersion, Loaded, Party, Rejected
from opencustoms.screening.review import (
    decide,
    get_match,
    import_list,
    queue,
    queue_counts,
    screen_into_queue,
)

ENTITIES = [
    Entity(
        "E1",
        "Person",
        "PAK Song Chol",
        ("박성철",),
        ("KP",),
        ("1962-05-04",),
        "UN-DPRK",
        "2017-08-05",
    ),
    Entity(
        "E2",
        "Company",
        "Tekhnosfera LLC",
        ("ООО «Техносфера»",),
        ("RU",),
        (),
        "EU-RUS",
        "2023-02-25",
    ),
]


def _loaded(sha: str = "a" * 64) -> Loaded:
    return Loaded(
        ListVersion("list.csv", sha, "v1", "2026-11-26T00:00:00", "2023-02-25"),
        list(ENTITIES),
        [Rejected(4, {"entity_id": "E9"}, ["schema: unknown schema Robot"])],
    )


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_migration_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if "screening_" in str(d)]
    assert ours == []
    assert {
        t.name for t in models.Base.metadata.sorted_tables if t.name.startswith("screening_")
    } <= set(sa.inspect(engine).get_table_names())


def test_list_versions_are_kept_and_imported_once(engine: sa.Engine) -> None:
    first = import_list(engine=engine, loaded=_loaded())
    assert import_list(engine=engine, loaded=_loaded()) == first
    second = import_list(engine=engine, loaded=_loaded("b" * 64))
    assert second != first
    with engine.connect() as conn:
        rejects = conn.execute(sa.select(models.list_rejects)).mappings().all()
    assert [r["reasons"] for r in rejects] == [["schema: unknown schema Robot"]] * 2


def test_decisions_are_stored_and_remembered_for_the_party(engine: sa.Engine) -> None:
    import_list(engine=engine, loaded=_loaded())
    parties = [
        Party("P1", "Pak Song Chol", "KP", "1962-05-04", "end_user", "D1"),
        Party("P2", "OOO Tekhnosfera", "RU", "", "consignee", "D2"),
    ]
    counts = screen_into_queue(engine=engine, parties=parties, threshold=0.5)
    assert counts == {"matches": 2, "pending": 2, "remembered": 0}
    pending = queue(engine=engine)
    assert [r["score"] for r in pending] == sorted((r["score"] for r in pending), reverse=True)
    person = next(r for r in pending if r["entity_id"] == "E1")
    result = decide(
        engine=engine, match_id=person["id"], decision="true_match", user="lee", note="same DOB"
    )
    company = next(r for r in pending if r["entity_id"] == "E2")
    decide(engine=engine, match_id=company["id"], decision="false_positive", user="kim")
    page = get_match(engine=engine, match_id=person["id"])
    assert page["status"] == "true_match" and page["entity"]["aliases"] == ["박성철"]
    assert (
        page["decisions"][0]["decided_by"] == "lee"
        and page["decisions"][0]["decided_at"] is not None
    )
    assert page["list_version"]["version"] == "v1"
    # The same party on a later declaration, written in Hangul this time: remembered.
    again = screen_into_queue(
        engine=engine,
        parties=[
            Party("P7", "박성철", "KP", "1962-05-04", "end_user", "D9"),
            Party("P8", "Tekhnosfera LLC", "RU", "", "consignee", "D10"),
            Party("P9", "Pak Song Chol", "KP", "1990-01-01", "end_user", "D11"),
        ],
        threshold=0.0,
    )
    assert again["remembered"] == 2
    assert queue_counts(engine=engine)["true_match"] == 2
    new = [r for r in queue(engine=engine) if r["party_id"] == "P9"]
    assert new and new[0]["decision_id"] is None  # another birth date: another party
    assert result["status"] == "true_match"


def test_bad_decisions_are_refused(engine: sa.Engine) -> None:
    import_list(engine=engine, loaded=_loaded())
    screen_into_queue(engine=engine, parties=[Party("P1", "Pak Song Chol", "KP")], threshold=0.3)
    match_id = queue(engine=engine)[0]["id"]
    with pytest.raises(InvalidInput) as err:
        decide(engine=engine, match_id=match_id, decision="block", user="kim")
    assert err.value.field == "decision"
    with pytest.raises(InvalidInput):
        decide(engine=engine, match_id=match_id, decision="true_match", user=" ")
    with pytest.raises(NotFound):
        decide(engine=engine, match_id=987654, decision="true_match", user="kim")
    with pytest.raises(InvalidInput):
        queue(engine=engine, status="maybe")
