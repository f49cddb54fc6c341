"""Property: whatever JSON arrives, an API batch never crashes and loses nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from opencustoms.declarations.queries import list_quarantine
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.declarations.service import ingest_records

SAMPLE = {
    "declaration_id": "P1",
    "declaration_date": "2021-01-05",
    "office_id": "30",
    "hs_code": "851712",
    "origin_country": "CN",
    "net_mass_kg": 3.5,
    "fraud": 0,
}

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80),
    st.sampled_from(["", " ", "2021-02-30", "2021-02-03", "KR", "usd", "0101.30", "-0", "1e3"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
records = st.lists(
    st.builds(
        lambda changes, ident: {**SAMPLE, "declaration_id": ident, **changes},
        st.dictionaries(st.sampled_from([*FIELD_NAMES, "extra"]), values, max_size=4),
        st.sampled_from(["P1", "P2", "P3"]),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=records)
def test_any_batch_balances(engine: Engine, batch: list[dict]) -> None:  # type: ignore[type-arg]
    s = ingest_records(records=batch, source="property", engine=engine)
    assert s.input == len(batch) == s.stored + s.quarantined + s.duplicates
    allowed = {*FIELD_NAMES, "_row", "extra"}
    for q in list_quarantine(engine=engine, ingest_id=s.ingest_id, limit=100):
        assert q.reasons and all(r.field in allowed and r.problem for r in q.reasons)
