"""Property: whatever JSON arrives, an API batch never crashes and loses nothing."""

from __future__ import annotations

import csv
import io

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


HEADER = b"Declaration ID,Date,Office ID,HS6 Code,Country of Origin,Net Mass,Fraud\n"
GOOD_LINE = b"D1,2021-01-05,30,851712,CN,3.5,0"
cells = st.one_of(
    st.sampled_from(
        [
            b"",
            b'"',
            b'""',
            b",",
            b"\r",
            b"\n",
            b"\xff",
            b"\xc3",
            b"2021-01-05",
            b"851712",
            b"CN",
            b"-1",
            b"1e400",
            b'"a,b"',
            b"\t",
            b"\x00",
        ]
    ),
    st.binary(max_size=6),
)
lines = st.lists(st.lists(cells, min_size=0, max_size=9).map(b",".join), max_size=15)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=lines)
def test_any_csv_is_either_unusable_or_balanced(
    tmp_path_factory: pytest.TempPathFactory, body: list[bytes]
) -> None:
    from opencustoms.db import make_engine
    from opencustoms.declarations.io import UnusableFileError
    from opencustoms.declarations.service import ingest_file

    tmp = tmp_path_factory.mktemp("csv")
    path = tmp / "fuzz.csv"
    path.write_bytes(HEADER + b"\n".join([GOOD_LINE, *body]) + b"\n")
    engine = make_engine(f"sqlite:///{tmp / 'db.sqlite'}")
    try:
        s = ingest_file(path=path, engine=engine)
    except UnusableFileError:
        return
    finally:
        engine.dispose()
    assert s.input == s.stored + s.quarantined + s.duplicates
    # every record the csv module sees is accounted for, none silently dropped
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r][1:]
    assert s.input == len(records)
