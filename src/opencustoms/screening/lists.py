"""Sanctions lists and party files: read, validate, keep what is bad in a quarantine.

Three inputs are understood (``docs/screening-format.md``):

* ``sanctions.csv``, the flattened FollowTheMoney export of the exchange format, and the
  OpenSanctions "simple" CSV (``id``, ``countries``, ``sanctions``, ``first_seen`` ... are
  mapped to the exchange columns, see ``REAL_CSV_COLUMNS``);
* FollowTheMoney JSON lines (``*.json``/``*.jsonl``/``*.ftm.json``): one entity per line
  with ``properties``; ``Sanction`` entities give their ``program`` to the entity they name;
* ``parties.csv``, the declaration parties to screen.

A row that cannot be used goes to the quarantine with its row number and every reason;
input = accepted + quarantined always holds.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "sanctions.csv"
>>> _ = path.write_text("entity_id,schema,name,aliases,country,birth_date,program,listed_on\\n"
...     "E1,Person,KIM Chol,김철;Kim Cheol,KP,1970-03-01,UN-DPRK,2017-08-05\\n"
...     "E2,Spaceship,X,,KP,,UN-DPRK,2017-08-05\\n", encoding="utf-8")
>>> loaded = read_sanctions(path)
>>> [e.entity_id for e in loaded.entities], loaded.entities[0].aliases
(['E1'], ('김철', 'Kim Cheol'))
>>> loaded.quarantine[0].row, loaded.quarantine[0].reasons
(3, ['schema: unknown schema Spaceship'])
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pycountry

from opencustoms.errors import InvalidInput
from opencustoms.files import sha256_file

SCHEMAS = frozenset({"Person", "Company", "Organization", "Vessel", "LegalEntity", "Airplane"})
ROLES = frozenset({"exporter", "consignee", "end_user", "importer", "seller"})
SANCTIONS_REQUIRED = ("entity_id", "schema", "name")
PARTIES_REQUIRED = ("party_id", "name")
# OpenSanctions "targets.simple.csv" column -> exchange column.
REAL_CSV_COLUMNS = {
    "id": "entity_id",
    "countries": "country",
    "birth_dates": "birth_date",
    "sanctions": "program",
    "dataset": "program",
    "first_seen": "listed_on",
}
NON_COUNTRIES = frozenset({"XK", "EU", "ZZ", "SUHH", "CSHH", "YUCS"})


@dataclass(frozen=True, slots=True)
class Entity:
    """One listed entity; ``countries`` and ``birth_dates`` may hold several values."""

    entity_id: str
    schema: str
    name: str
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()  # ISO, possibly partial (YYYY or YYYY-MM)
    program: str = ""
    listed_on: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Party:
    """One declaration party to screen."""

    party_id: str
    name: str
    country: str = ""
    birth_date: str = ""
    role: str = ""
    declaration_id: str = ""


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # 1-based data row (header not counted) or line number for JSON lines
    raw: dict[str, Any]
    reasons: list[str]


@dataclass(slots=True)
class ListVersion:
    """Which list a match came from: file, content hash, version label and dates."""

    source: str
    sha256: str
    version: str
    loaded_at: str
    published: str = ""  # the newest listed_on seen, the list's effective date


@dataclass(slots=True)
class Loaded:
    version: ListVersion
    entities: list[Entity] = field(default_factory=list)
    quarantine: list[Rejected] = field(default_factory=list)


def _split(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(";")
    return tuple(dict.fromkeys(s.strip() for s in map(str, items) if s.strip()))


def _country_problem(code: str) -> str | None:
    if code in NON_COUNTRIES or pycountry.countries.get(alpha_2=code) is not None:
        return None
    return f"{code!r} is not an ISO 3166 alpha-2 code"


def _date_problem(value: str, *, partial: bool) -> str | None:
    text = value.strip()
    try:
        if partial and len(text) in (4, 7):
            dt.date.fromisoformat(text + ("-01-01" if len(text) == 4 else "-01"))
        else:
            dt.date.fromisoformat(text[:10])
    except ValueError:
        return f"{value!r} is not an ISO date"
    return None


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InvalidInput("path", f"{path}: no such file")
    if path.suffix.lower() in {".parquet", ".pq"}:
        frame = pd.read_parquet(path).astype(str).replace({"None": "", "nan": ""})
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    else:
        raise InvalidInput("path", f"{path.name}: expected .csv, .parquet or JSON lines")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _entity_from_row(row: dict[str, Any]) -> tuple[Entity | None, list[str]]:
    reasons: list[str] = []
    entity_id = str(row.get("entity_id", "")).strip()
    name = str(row.get("name", "")).strip()
    schema = str(row.get("schema", "")).strip()
    if not entity_id:
        reasons.append("entity_id: empty")
    if not name:
        reasons.append("name: empty")
    if schema not in SCHEMAS:
        reasons.append(f"schema: unknown schema {schema or '(empty)'}")
    countries = tuple(c.upper() for c in _split(row.get("country")))
    reasons += [f"country: {p}" for c in countries if (p := _country_problem(c))]
    births = _split(row.get("birth_date"))
    reasons += [f"birth_date: {p}" for b in births if (p := _date_problem(b, partial=True))]
    listed_on = str(row.get("listed_on", "") or "").strip()
    if listed_on and (problem := _date_problem(listed_on, partial=False)):
        reasons.append(f"listed_on: {problem}")
    if reasons:
        return None, reasons
    aliases = tuple(a for a in _split(row.get("aliases")) if a != name)
    return (
        Entity(
            entity_id=entity_id,
            schema=schema,
            name=name,
            aliases=aliases,
            countries=countries,
            birth_dates=births,
            program=";".join(_split(row.get("program"))),
            listed_on=listed_on[:10],
        ),
        [],
    )


def _accept(rows: Iterable[tuple[int, dict[str, Any]]], loaded: Loaded) -> Loaded:
    seen: set[str] = set()
    for number, row in rows:
        entity, reasons = _entity_from_row(row)
        if entity is not None and entity.entity_id in seen:
            entity, reasons = None, [f"entity_id: {row['entity_id']!r} appears twice"]
        if entity is None:
            loaded.quarantine.append(Rejected(number, row, reasons))
            continue
        seen.add(entity.entity_id)
        loaded.entities.append(entity)
    dates = [e.listed_on for e in loaded.entities if e.listed_on]
    loaded.version.published = max(dates) if dates else ""
    return loaded


def _ftm_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """FollowTheMoney entities as exchange rows; Sanction entities lend their program."""
    programs: dict[str, list[str]] = {}
    listed: dict[str, str] = {}
    entities: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                yield number, {"line": line[:200]}  # unparseable: reasons added by _accept
                continue
            props = data.get("properties", {})
            if data.get("schema") == "Sanction":
                for target in props.get("entity", []):
                    programs.setdefault(target, []).extend(props.get("program", []))
                    for start in props.get("startDate", []) + props.get("listingDate", []):
                        listed[target] = min(listed.get(target, start), start)
                continue
            if data.get("schema") not in SCHEMAS:
                continue  # addresses, ownership links, identifiers: not screened
            entities.append((number, data))
    for number, data in entities:
        props = data.get("properties", {})
        entity_id = data.get("id", "")
        names = props.get("name", [])
        yield (
            number,
            {
                "entity_id": entity_id,
                "schema": data.get("schema", ""),
                "name": names[0] if names else "",
                "aliases": [*names[1:], *props.get("alias", []), *props.get("weakAlias", [])],
                "country": [
                    *props.get("country", []),
                    *props.get("nationality", []),
                    *props.get("jurisdiction", []),
                ],
                "birth_date": props.get("birthDate", []),
                "program": programs.get(entity_id, props.get("program", [])),
                "listed_on": listed.get(entity_id, str(data.get("first_seen", ""))[:10]),
            },
        )


def read_sanctions(path: str | Path, *, version: str = "") -> Loaded:
    """Read a sanctions list (exchange CSV/Parquet, OpenSanctions simple CSV or FtM JSON
    lines); ``version`` labels it (default: the file's content hash, first 12 digits)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput("list", f"{path}: no such file")
    sha = sha256_file(path)
    loaded = Loaded(
        ListVersion(
            source=path.name,
            sha256=sha,
            version=version or sha[:12],
            loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
    )
    if path.suffix.lower() in {".json", ".jsonl", ".ndjson"}:
        return _accept(_ftm_rows(path), loaded)
    frame = _read_table(path)
    for source, target in REAL_CSV_COLUMNS.items():
        if source in frame.columns and target not in frame.columns:
            frame = frame.rename(columns={source: target})
    missing = [c for c in SANCTIONS_REQUIRED if c not in frame.columns]
    if missing:
        raise InvalidInput(missing[0], "required column missing from the sanctions list")
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    return _accept(((i + 2, row) for i, row in enumerate(records)), loaded)


def read_parties(path: str | Path) -> tuple[list[Party], list[Rejected]]:
    """Read ``parties.csv`` (or Parquet); bad rows are returned with their reasons."""
    frame = _read_table(Path(path))
    missing = [c for c in PARTIES_REQUIRED if c not in frame.columns]
    if missing:
        raise InvalidInput(missing[0], "required column missing from the parties file")
    parties: list[Party] = []
    rejected: list[Rejected] = []
    seen: set[str] = set()
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    for i, row in enumerate(records):
        values = {k: str(v).strip() for k, v in row.items()}
        reasons = []
        if not values["party_id"]:
            reasons.append("party_id: empty")
        elif values["party_id"] in seen:
            reasons.append(f"party_id: {values['party_id']!r} appears twice")
        if not values["name"]:
            reasons.append("name: empty")
        country = values.get("country", "").upper()
        if country and (problem := _country_problem(country)):
            reasons.append(f"country: {problem}")
        birth = values.get("birth_date", "")
        if birth and (problem := _date_problem(birth, partial=True)):
            reasons.append(f"birth_date: {problem}")
        role = values.get("role", "")
        if role and role not in ROLES:
            reasons.append(f"role: {role!r} is not one of {', '.join(sorted(ROLES))}")
        if reasons:
            rejected.append(Rejected(i + 2, row, reasons))
            continue
        seen.add(values["party_id"])
        parties.append(
            Party(
                party_id=values["party_id"],
                name=values["name"],
                country=country,
                birth_date=birth,
                role=role,
                declaration_id=values.get("declaration_id", ""),
            )
        )
    return parties, rejected
