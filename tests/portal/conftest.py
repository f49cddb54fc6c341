"""Fixtures of the portal tests: a migrated database with two people's parcels and two
traders' declarations, a memory mail sink and a limiter with a hand-driven clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.db import make_engine, migrate
from opencustoms.portal.mail import MemoryMailer
from opencustoms.portal.policy import load_limits
from opencustoms.portal.ratelimit import Limiter

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
PCCC_A = "P100000000001"
PCCC_B = "P200000000002"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> Limiter:
    return Limiter(load_limits(), clock=clock)


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer()


def _engine(url: str) -> Engine:
    migrate(url)
    return make_engine(url)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    e = _engine(f"sqlite:///{tmp_path / 'portal.sqlite'}")
    yield e
    e.dispose()


@pytest.fixture
def any_engine(database_url: str) -> Iterator[Engine]:
    """SQLite and (when configured) PostgreSQL."""
    e = _engine(database_url)
    yield e
    e.dispose()


def parcel(pid: str, pccc: str, **kw: Any) -> dict[str, Any]:
    row = {
        "parcel_id": pid,
        "manifest_id": "M1",
        "arrival_date": dt.date(2026, 2, 20),
        "carrier_id": "DHL",
        "platform": "AliExpress",
        "seller_name": "Shop",
        "seller_country": "CN",
        "departure_country": "CN",
        "origin_country": "CN",
        "recipient_pccc": pccc,
        "recipient_name": "Kim Minji",
        "recipient_phone": "010-0000-0000",
        "recipient_address": "Seoul",
        "description": "phone case",
        "hs_code": None,
        "quantity": 1,
        "declared_value": 20.0,
        "currency": "USD",
        "gross_weight_kg": 0.2,
        "office_code": "40",
        "content_hash": 1,
        "ingest_id": 1,
    }
    row.update(kw)
    return row


def declaration(did: str, importer: str, **kw: Any) -> dict[str, Any]:
    row = {
        "declaration_id": did,
        "item_no": 1,
        "direction": "import",
        "declaration_date": dt.date(2021, 3, 2),
        "office_id": "20",
        "hs_code": "420221",
        "origin_country": "FR",
        "importer_id": importer,
        "declarant_id": "DECL1",
        "item_price_krw": 3_000_000.0,
        "goods_description": "leather handbag",
        "tax_rate": 8.0,
        "content_hash": 1,
    }
    row.update(kw)
    return row


def seed(engine: Engine) -> None:
    from opencustoms.declarations.models import declarations
    from opencustoms.parcels.models import parcel_decisions, parcels

    with engine.begin() as conn:
        conn.execute(
            sa.insert(parcels),
            [
                parcel("A1", PCCC_A),
                parcel(
                    "A2",
                    PCCC_A,
                    recipient_name="Park Joon",
                    recipient_address="Busan",
                    arrival_date=dt.date(2026, 2, 21),
                    office_code="20",
                ),
                parcel("B1", PCCC_B, recipient_name="Lee Sora"),
            ],
        )
        conn.execute(
            sa.insert(parcel_decisions),
            [
                {
                    "parcel_id": "A1",
                    "decision": "pay_duty",
                    "typologies": "undervaluation",
                    "score": 0.9,
                    "reasons": "unit value far below the median",
                    "duty_krw": 1000.0,
                    "vat_krw": 2000.0,
                    "office_code": "40",
                },
                {
                    "parcel_id": "B1",
                    "decision": "inspect",
                    "typologies": "pccc_misuse",
                    "score": 0.97,
                    "reasons": "secret",
                    "duty_krw": 0.0,
                    "vat_krw": 0.0,
                    "office_code": "40",
                },
            ],
        )
        conn.execute(
            sa.insert(declarations),
            [
                declaration("D-ACME-1", "ACME"),
                declaration(
                    "D-ACME-2", "ACME", declaration_date=dt.date(2021, 3, 5), office_id="30"
                ),
                declaration("D-OTHER-1", "OTHERCO", office_id="50"),
            ],
        )


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine
