"""Store-backed services: screen what was ingested, queue per office, detail, inspections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opencustoms.db import make_engine
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.parcels import service
from opencustoms.parcels.intake import ingest_manifest


def test_screen_queue_detail_inspection_history(
    database_url: str, small_world: tuple[Path, Path]
) -> None:
    engine = make_engine(database_url)
    ingest_manifest(path=small_world[0], engine=engine)
    result = service.screen_stored(
        engine=engine, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31)
    )
    assert result.screened == result.input
    offices = set(result.decisions["office_code"])
    office = sorted(offices)[0]
    rows = service.queue(engine=engine, office=office, decision="pay_duty")
    assert rows and all(r["office_code"] == office for r in rows)
    assert all(r["decision"] == "pay_duty" for r in rows)
    split = service.queue(engine=engine, office=None, typology="split_shipment", limit=5)
    detail = service.parcel_detail(engine=engine, parcel_id=split[0]["parcel_id"])
    assert len(detail["split_group"]) >= 2
    assert detail["decision"]["reasons"]
    n = service.record_inspection(
        engine=engine,
        parcel_id=split[0]["parcel_id"],
        outcome="confirmed",
        typologies=["split_shipment"],
        officer="kim",
    )
    assert n > 0
    labels = service.inspection_labels(engine=engine)
    assert labels.to_dict("records") == [
        {"parcel_id": split[0]["parcel_id"], "typologies": "split_shipment"}
    ]
    pccc = detail["parcel"]["recipient_pccc"]
    history = service.pccc_history(engine=engine, pccc=pccc)
    assert history and all(h["decision"] for h in history)
    with pytest.raises(NotFound):
        service.parcel_detail(engine=engine, parcel_id="nope")
    with pytest.raises(InvalidInput):
        service.record_inspection(
            engine=engine, parcel_id=split[0]["parcel_id"], outcome="maybe", typologies=[],
            officer="kim",
        )  # fmt: skip
    engine.dispose()
