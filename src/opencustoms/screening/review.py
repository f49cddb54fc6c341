"""The review queue: stored lists, screening into the queue, officer decisions remembered.

A match never blocks anything by itself: it waits in the queue (``pending``) until an
officer decides ``true_match`` or ``false_positive``. The decision is stored with the
officer and the time, keyed by the party's fingerprint (``party_key``: folded name,
country, birth date) and the entity, so when the same party is screened again (another
declaration, a new list version) the match is created already decided, pointing at the
decision it reuses, and does not come back to the queue.

>>> import tempfile
>>> from opencustoms.db import make_engine, migrate
>>> from opencustoms.screening.lists import Entity, ListVersion, Loaded, Party
>>> engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/doc.sqlite"); migrate(engine)
>>> loaded = Loaded(ListVersion("demo.csv", "ab" * 32, "v1", "2026-11-26"),
...                 [Entity("E1", "Company", "Tekhnosfera LLC", countries=("RU",))])
>>> version_id = import_list(engine=engine, loaded=loaded)
>>> party = Party("P1", "OOO Tekhnosfera", "RU")
>>> screen_into_queue(engine=engine, parties=[party], threshold=0.5)["pending"]
1
>>> match_id = queue(engine=engine)[0]["id"]
>>> decide(engine=engine, match_id=match_id, decision="false_positive", user="kim")["status"]
'false_positive'
>>> again = screen_into_queue(engine=engine, parties=[Party("P2", "OOO Tekhnosfera", "RU")],
...                           threshold=0.5)
>>> again["pending"], again["remembered"]
(0, 1)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, Insert, desc, func, insert, select, update
from sqlalchemy.orm import Session

from opencustoms.db import session_scope
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.screening import models as m
from opencustoms.screening.index import BlockingIndex
from opencustoms.screening.lists import Entity, Loaded, Party
from opencustoms.screening.normalize import name_form
from opencustoms.screening.screen import screen


def party_key(party: Party) -> str:
    """The fingerprint a decision is remembered under: folded name words, country, birth.

    >>> party_key(Party("P1", "Kim Jong-un", "KP", "1984-01-08"))
    'jonk kim un|KP|1984-01-08'
    >>> party_key(Party("P9", "김정은", "KP", "1984-01-08"))
    'jonk kim un|KP|1984-01-08'
    """
    words = " ".join(sorted(name_form(party.name).folded)) or party.name.strip().lower()
    return f"{words[:220]}|{party.country}|{party.birth_date[:10]}"


def _insert_id(session: Session, statement: Insert) -> int:
    key = session.connection().execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def import_list(*, engine: Engine, loaded: Loaded) -> int:
    """Store a list version with its entities and rejects; the same file twice is one
    version (its id is returned again)."""
    with session_scope(engine) as session:
        existing = session.execute(
            select(m.list_versions.c.id).where(m.list_versions.c.sha256 == loaded.version.sha256)
        ).scalar()
        if existing is not None:
            return int(existing)
        version_id = _insert_id(
            session,
            insert(m.list_versions).values(
                source=loaded.version.source,
                sha256=loaded.version.sha256,
                version=loaded.version.version,
                published=loaded.version.published,
                entities=len(loaded.entities),
                quarantined=len(loaded.quarantine),
            ),
        )
        if loaded.entities:
            session.execute(
                insert(m.entities),
                [
                    {
                        "list_version_id": version_id,
                        "entity_id": e.entity_id,
                        "schema": e.schema,
                        "name": e.name,
                        "aliases": list(e.aliases),
                        "countries": list(e.countries),
                        "birth_dates": list(e.birth_dates),
                        "program": e.program,
                        "listed_on": e.listed_on,
                    }
                    for e in loaded.entities
                ],
            )
        if loaded.quarantine:
            session.execute(
                insert(m.list_rejects),
                [
                    {
                        "list_version_id": version_id,
                        "row_no": r.row,
                        "raw": {k: str(v) for k, v in r.raw.items()},
                        "reasons": r.reasons,
                    }
                    for r in loaded.quarantine
                ],
            )
        return int(version_id)


def latest_version(*, engine: Engine) -> dict[str, Any]:
    """The newest imported list version (``NotFound`` if none was imported)."""
    with session_scope(engine) as session:
        row = (
            session.execute(select(m.list_versions).order_by(desc(m.list_versions.c.id)).limit(1))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound("no sanctions list imported yet (opencustoms screening import-list)")
    return dict(row)


def stored_entities(*, engine: Engine, list_version_id: int) -> list[Entity]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.entities).where(m.entities.c.list_version_id == list_version_id)
        ).mappings()
        return [
            Entity(
                entity_id=r["entity_id"],
                schema=r["schema"],
                name=r["name"],
                aliases=tuple(r["aliases"]),
                countries=tuple(r["countries"]),
                birth_dates=tuple(r["birth_dates"]),
                program=r["program"],
                listed_on=r["listed_on"],
            )
            for r in rows
        ]


def _remembered(session: Any, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Newest decision per (party_key, entity_id) among ``keys``."""
    if not keys:
        return {}
    party_keys = {k for k, _ in keys}
    rows = session.execute(
        select(m.decisions)
        .where(m.decisions.c.party_key.in_(party_keys))
        .order_by(m.decisions.c.id)
    ).mappings()
    return {(r["party_key"], r["entity_id"]): r for r in rows}


def screen_into_queue(
    *,
    engine: Engine,
    parties: Sequence[Party],
    threshold: float,
    list_version_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Screen ``parties`` against a stored list version (default: the newest) and queue
    every match at or above ``threshold``; returns counts (matches, pending, remembered)."""
    version_id = list_version_id or int(latest_version(engine=engine)["id"])
    listed = stored_entities(engine=engine, list_version_id=version_id)
    if not listed:
        raise NotFound(f"list version {version_id} has no entities")
    found = screen(parties, BlockingIndex(listed), threshold=threshold, progress=progress)
    by_id = {p.party_id: p for p in parties}
    counts = {"matches": len(found), "pending": 0, "remembered": 0}
    with session_scope(engine) as session:
        keyed = [(party_key(by_id[x.party_id]), x) for x in found]
        memory = _remembered(session, {(k, x.entity_id) for k, x in keyed})
        rows = []
        for key, match in keyed:
            party = by_id[match.party_id]
            decision = memory.get((key, match.entity_id))
            counts["remembered" if decision else "pending"] += 1
            rows.append(
                {
                    "party_key": key,
                    "party_id": party.party_id,
                    "party_name": party.name,
                    "party_country": party.country,
                    "party_birth_date": party.birth_date[:10],
                    "party_role": party.role,
                    "declaration_id": party.declaration_id,
                    "list_version_id": version_id,
                    "entity_id": match.entity_id,
                    "score": match.score,
                    "matched_name": match.matched_name,
                    "explanation": match.explanation,
                    "features": match.features,
                    "algorithm": match.algorithm,
                    "status": decision["decision"] if decision else "pending",
                    "decision_id": decision["id"] if decision else None,
                }
            )
        if rows:
            session.execute(insert(m.matches), rows)
    return counts


def queue(
    *, engine: Engine, status: str = "pending", limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Matches with ``status``, highest score first."""
    if status not in m.STATUSES:
        raise InvalidInput("status", f"{status!r} is not one of {', '.join(m.STATUSES)}")
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.matches)
            .where(m.matches.c.status == status)
            .order_by(desc(m.matches.c.score), m.matches.c.id)
            .limit(limit)
            .offset(offset)
        ).mappings()
        return [dict(r) for r in rows]


def queue_counts(*, engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(m.matches.c.status, func.count()).group_by(m.matches.c.status)
        ).all()
    return {status: 0 for status in m.STATUSES} | {str(s): int(n) for s, n in rows}


def get_match(*, engine: Engine, match_id: int) -> dict[str, Any]:
    """One match with its entity (names, aliases, program, list version) for the match page."""
    with session_scope(engine) as session:
        row = (
            session.execute(select(m.matches).where(m.matches.c.id == match_id)).mappings().first()
        )
        if row is None:
            raise NotFound(f"match {match_id} does not exist")
        match = dict(row)
        entity = (
            session.execute(
                select(m.entities).where(
                    m.entities.c.list_version_id == row["list_version_id"],
                    m.entities.c.entity_id == row["entity_id"],
                )
            )
            .mappings()
            .first()
        )
        version = (
            session.execute(
                select(m.list_versions).where(m.list_versions.c.id == row["list_version_id"])
            )
            .mappings()
            .first()
        )
        history = session.execute(
            select(m.decisions)
            .where(
                m.decisions.c.party_key == row["party_key"],
                m.decisions.c.entity_id == row["entity_id"],
            )
            .order_by(m.decisions.c.id)
        ).mappings()
        match["entity"] = dict(entity) if entity else None
        match["list_version"] = dict(version) if version else None
        match["decisions"] = [dict(d) for d in history]
    return match


def decide(
    *, engine: Engine, match_id: int, decision: str, user: str, note: str = ""
) -> dict[str, Any]:
    """Record an officer's decision on a match; it applies to every pending match of the
    same party and entity and is remembered for later screenings."""
    if decision not in m.DECISIONS:
        raise InvalidInput("decision", f"{decision!r} is not one of {', '.join(m.DECISIONS)}")
    if not user.strip():
        raise InvalidInput("user", "the deciding officer must be named")
    with session_scope(engine) as session:
        row = (
            session.execute(select(m.matches).where(m.matches.c.id == match_id)).mappings().first()
        )
        if row is None:
            raise NotFound(f"match {match_id} does not exist")
        decision_id = _insert_id(
            session,
            insert(m.decisions).values(
                party_key=row["party_key"],
                entity_id=row["entity_id"],
                decision=decision,
                decided_by=user.strip(),
                decided_at=dt.datetime.now(dt.UTC),
                note=note,
                match_id=match_id,
            ),
        )
        session.execute(
            update(m.matches)
            .where(
                (m.matches.c.id == match_id)
                | (
                    (m.matches.c.party_key == row["party_key"])
                    & (m.matches.c.entity_id == row["entity_id"])
                    & (m.matches.c.status == "pending")
                )
            )
            .values(status=decision, decision_id=decision_id)
        )
    return {"match_id": match_id, "status": decision, "decision_id": int(decision_id)}
