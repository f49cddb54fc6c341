"""Watched parties on both databases: who may add and remove, what each office sees, and
the alert a watched party's filing raises (one per party and declaration, in the one
alert table, visible to the declaration's office only)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from opencustoms.cases.access import Actor
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.watch import WatchIn, add_watch, list_watch, raise_watch_alerts, remove_watch
from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_records
from opencustoms.errors import Forbidden, InvalidInput, NotFound

SUP40 = Actor(username="sup40", role="supervisor", office="40")
SUP20 = Actor(username="sup20", role="supervisor", office="20")
KIM = Actor(username="kim", role="officer", office="40")
LEE = Actor(username="lee", role="officer", office="20")
ADMIN = Actor(username="root", role="admin", office="10")
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _engine(url: str) -> Engine:
    migrate(url)
    return make_engine(url)


def _file(engine: Engine, *rows: tuple[str, int, str, str, str | None]) -> int:
    records = [
        {"declaration_id": d, "item_no": n, "office_id": o, "importer_id": imp,
         "declarant_id": dec, "hs_code": "8471300000", "declaration_date": "2021-01-05"}
        for d, n, o, imp, dec in rows
    ]  # fmt: skip
    return ingest_records(records=records, source="t", engine=engine).ingest_id


def test_watch_alert_end_to_end(database_url: str) -> None:
    engine = _engine(database_url)
    add_watch(engine=engine, actor=SUP40, entry=WatchIn(
        kind="importer_id", party_id="IMP1", reason="tip-off", office="40"), now=NOW)  # fmt: skip
    add_watch(engine=engine, actor=ADMIN, entry=WatchIn(
        kind="declarant_id", party_id="BRK9", reason="national broker watch"), now=NOW)  # fmt: skip
    first = _file(engine, ("D1", 1, "40", "IMP1", None), ("D1", 2, "40", "IMP1", None),
                  ("D2", 1, "20", "IMP1", None), ("D3", 1, "20", "IMP2", "BRK9"),
                  ("D4", 1, "40", "IMP3", None))  # fmt: skip
    res = raise_watch_alerts(engine=engine, ingest_id=first, now=NOW)
    # D1 (two items, one alert); D2 is at office 20, not watched there; D3 national watch.
    assert (res.input, res.new) == (2, 2)
    again = raise_watch_alerts(engine=engine, ingest_id=first, now=NOW)
    assert again.new == 0  # raising twice changes nothing
    _, mine = list_alerts(engine=engine, actor=KIM)
    _, theirs = list_alerts(engine=engine, actor=LEE)
    assert [(a.source, a.subject_id, a.typology) for a in mine] == [
        ("watchlist", "D1", "watch_importer")
    ]
    assert [(a.subject_id, a.office) for a in theirs] == [("D3", "20")]
    assert "IMP1" in mine[0].explanation
    # A later filing of the same party raises a new alert; an unwatched party none.
    later = _file(engine, ("D5", 1, "40", "IMP1", None), ("D6", 1, "40", "IMP9", None))
    assert raise_watch_alerts(engine=engine, ingest_id=later, now=NOW).new == 1
    # Removed: no more alerts.
    entry = list_watch(engine=engine, actor=KIM, kind="importer_id")[0]
    remove_watch(engine=engine, actor=SUP40, watch_id=entry.id, now=NOW)
    last = _file(engine, ("D7", 1, "40", "IMP1", None))
    assert raise_watch_alerts(engine=engine, ingest_id=last, now=NOW).new == 0
    engine.dispose()


def test_who_may_watch_and_who_sees(tmp_path: object) -> None:
    engine = _engine(f"sqlite:///{tmp_path}/w.sqlite")
    mine = add_watch(engine=engine, actor=SUP40, entry=WatchIn(
        kind="seller_id", party_id="S1", reason="fake origin", office="40"))  # fmt: skip
    add_watch(engine=engine, actor=SUP20, entry=WatchIn(
        kind="seller_id", party_id="S2", reason="fake origin", office="20"))  # fmt: skip
    add_watch(engine=engine, actor=ADMIN, entry=WatchIn(
        kind="importer_id", party_id="N1", reason="national list"))  # fmt: skip
    assert {e.party_id for e in list_watch(engine=engine, actor=KIM)} == {"S1", "N1"}
    assert {e.party_id for e in list_watch(engine=engine, actor=ADMIN)} == {"S1", "S2", "N1"}
    with pytest.raises(Forbidden):  # another office's watch
        add_watch(engine=engine, actor=SUP40, entry=WatchIn(
            kind="seller_id", party_id="S3", reason="not mine", office="20"))  # fmt: skip
    with pytest.raises(Forbidden):  # national watches are for admins
        add_watch(engine=engine, actor=SUP40, entry=WatchIn(
            kind="seller_id", party_id="S3", reason="everywhere"))  # fmt: skip
    with pytest.raises(Forbidden):  # officers read only
        add_watch(engine=engine, actor=KIM, entry=WatchIn(
            kind="seller_id", party_id="S3", reason="my office", office="40"))  # fmt: skip
    with pytest.raises(InvalidInput, match="already watched"):
        add_watch(engine=engine, actor=SUP40, entry=WatchIn(
            kind="seller_id", party_id="S1", reason="once more", office="40"))  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        add_watch(engine=engine, actor=SUP40, entry=WatchIn(
            kind="courier_id", party_id="C1", reason="wrong kind", office="40"))  # fmt: skip
    assert err.value.problems[0][0] == "kind"
    with pytest.raises(NotFound):  # another office's entry is not even confirmed
        remove_watch(engine=engine, actor=SUP20, watch_id=mine.id)
    with pytest.raises(Forbidden):
        remove_watch(engine=engine, actor=KIM, watch_id=mine.id)
    gone = remove_watch(engine=engine, actor=SUP40, watch_id=mine.id)
    assert gone.removed_by == "sup40" and gone.removed_at is not None
    assert {e.party_id for e in list_watch(engine=engine, actor=KIM)} == {"N1"}


def test_command_line_raises_watch_alerts_once() -> None:
    import json

    from typer.testing import CliRunner

    from opencustoms.cli.main import app
    from opencustoms.settings import get_settings

    url = get_settings().resolved_database_url
    engine = _engine(url)
    add_watch(engine=engine, actor=ADMIN, entry=WatchIn(
        kind="importer_id", party_id="IMP1", reason="national watch"))  # fmt: skip
    _file(engine, ("D1", 1, "40", "IMP1", None), ("D2", 1, "20", "IMP2", None))
    engine.dispose()
    runner = CliRunner()
    first = runner.invoke(app, ["cases", "from-watchlist", "--json"])
    assert first.exit_code == 0, first.stdout
    assert json.loads(first.stdout.strip().splitlines()[-1]) == {"input": 1, "new": 1, "merged": 0}
    again = runner.invoke(app, ["cases", "from-watchlist", "--json"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["new"] == 0


def test_command_line_ingest_raises_the_watch_alert(tmp_path: object) -> None:
    """A watched importer filing through `declarations ingest` raises its alert at once
    (as a web ingest does), without a separate `cases from-watchlist`."""
    import csv
    from pathlib import Path

    from typer.testing import CliRunner

    from opencustoms.cases.models import AlertRow
    from opencustoms.cli.main import app
    from opencustoms.settings import get_settings

    url = get_settings().resolved_database_url
    engine = _engine(url)
    add_watch(engine=engine, actor=ADMIN, entry=WatchIn(
        kind="importer_id", party_id="WIMP9", reason="national watch"))  # fmt: skip
    file = Path(str(tmp_path)) / "items.csv"
    with file.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["declaration_id", "item_no", "office_id", "importer_id", "hs_code",
                    "declaration_date"])  # fmt: skip
        w.writerow(["W91", 1, "40", "WIMP9", "8471300000", "2021-01-05"])
        w.writerow(["W92", 1, "40", "OTHER", "8471300000", "2021-01-05"])
    result = CliRunner().invoke(
        app, ["declarations", "ingest", str(file), "--profile", "canonical"]
    )
    assert result.exit_code == 0, result.stdout
    assert "watchlist: 1 new alert" in result.stdout
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        subjects = set(s.scalars(select(AlertRow.subject_id).where(AlertRow.source == "watchlist")))
    assert "W91" in subjects and "W92" not in subjects
    engine.dispose()
