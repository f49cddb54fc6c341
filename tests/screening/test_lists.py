"""Reading lists and parties: required columns, quarantine with reasons, real formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencustoms.errors import InvalidInput
from opencustoms.screening.lists import read_parties, read_sanctions

HEADER = "entity_id,schema,name,aliases,country,birth_date,program,listed_on\n"


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("entity_id,name\nE1,X\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_sanctions(path)
    assert err.value.field == "schema"


def test_bad_rows_are_quarantined_with_every_reason(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "E1,Person,KIM Chol,김철,KP,1961,UN-DPRK,2016-03-02\n"
        + "E2,Robot,,,XX,1961-13-01,UN-DPRK,yesterday\n"
        + "E1,Person,Duplicate,,KP,,UN-DPRK,2016-03-02\n",
        encoding="utf-8",
    )
    loaded = read_sanctions(path, version="2026-11")
    assert [e.entity_id for e in loaded.entities] == ["E1"]
    assert loaded.entities[0].birth_dates == ("1961",)  # partial dates are kept
    bad = {r.row: r.reasons for r in loaded.quarantine}
    assert set(bad) == {3, 4}
    assert {r.split(":")[0] for r in bad[3]} == {
        "name",
        "schema",
        "country",
        "birth_date",
        "listed_on",
    }
    assert bad[4] == ["entity_id: 'E1' appears twice"]
    assert len(loaded.entities) + len(loaded.quarantine) == 3
    assert loaded.version.version == "2026-11" and len(loaded.version.sha256) == 64
    assert loaded.version.published == "2016-03-02"


def test_opensanctions_simple_csv_columns_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_text(
        "id,schema,name,aliases,birth_date,countries,sanctions,first_seen,dataset\n"
        "syn-1,Company,Synthetic Trading LLC,ООО Синтетик,,ru;ae,EU-RUS,"
        "2023-06-23T10:00:00,eu_fsf\n",
        encoding="utf-8",
    )
    entity = read_sanctions(path).entities[0]
    assert (entity.entity_id, entity.countries, entity.program, entity.listed_on) == (
        "syn-1",
        ("RU", "AE"),
        "EU-RUS",
        "2023-06-23",
    )


def test_followthemoney_json_lines_with_sanction_entities(tmp_path: Path) -> None:
    lines = [
        {
            "id": "p1",
            "schema": "Person",
            "properties": {
                "name": ["Synthetic Person"],
                "alias": ["Синтетик"],
                "birthDate": ["1970-01-02"],
                "nationality": ["ru"],
            },
        },
        {
            "id": "s1",
            "schema": "Sanction",
            "properties": {"entity": ["p1"], "program": ["EU-RUS"], "startDate": ["2022-02-28"]},
        },
        {"id": "a1", "schema": "Address", "properties": {"full": ["somewhere"]}},
    ]
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    (entity,) = read_sanctions(path).entities
    assert entity.aliases == ("Синтетик",)
    assert (entity.program, entity.listed_on, entity.countries) == ("EU-RUS", "2022-02-28", ("RU",))


def test_parties_validation(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "party_id,name,country,birth_date,role,declaration_id\n"
        "P1,Kim Chol,KP,1961-02-03,end_user,D1\n"
        "P2,,KP,,importer,\n"
        "P1,Again,KP,,pilot,\n",
        encoding="utf-8",
    )
    parties, rejected = read_parties(path)
    assert [p.party_id for p in parties] == ["P1"]
    assert rejected[0].reasons == ["name: empty"]
    assert rejected[1].reasons[0] == "party_id: 'P1' appears twice"
    assert rejected[1].reasons[1].startswith("role: 'pilot'")


def test_parties_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_parties(path)
    assert err.value.field == "party_id"
