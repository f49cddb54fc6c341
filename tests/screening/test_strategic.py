"""Strategic goods to risky destinations: indicators, hard negatives, alert format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from opencustoms.alertfile import read_alerts, write_alerts
from opencustoms.screening.strategic import listed_tiers, strategic_alerts

START = dt.date(2023, 1, 1)


def line(
    company: str, partner: str, country: str, day: int, value: float, hs: str = "8542310000"
) -> dict:
    return {
        "declaration_id": f"D{company}{day}{partner[:3]}",
        "item_no": 1,
        "direction": "export",
        "declaration_date": START + dt.timedelta(days=day),
        "company_id": company,
        "counterparty_name": partner,
        "counterparty_country": country,
        "hs_code": hs,
        "value": value,
        "currency": "USD",
        "destination_country": country,
    }


def steady(
    company: str, partner: str, country: str, monthly: float, hs: str = "8542310000"
) -> list[dict]:
    return [line(company, partner, country, 30 * m + 3, monthly, hs) for m in range(24)]


def world() -> pd.DataFrame:
    rows = []
    rows += steady("STEADY", "Marina Vista Trading LLC", "AE", 6e4)  # same goods, same hub
    rows += steady("SAFE", "Nordwerk Elektronik GmbH", "DE", 5e4)
    rows += [line("SAFE", "Chui Valley Trade LLC", "KG", 400 + 10 * k, 3e5) for k in range(3)]
    rows += [line("NEW", "Gyumri Trade Compass LLC", "AM", 420 + 20 * k, 1.5e5) for k in range(4)]
    rows += [line("SPELL", "Osh Bazar Import LLC", "KG", 30 * m + 5, 4e4) for m in range(8)]
    rows += [line("SPELL", "OSH BAZAR IMPORT L.L.C", "KG", 30 * m + 5, 4e4) for m in range(8, 24)]
    rows += [
        line("NEWSAFE", "Lakeshore Electronics Inc.", "US", 420 + 20 * k, 2e5) for k in range(4)
    ]
    rows += [
        line("UNLISTED", "Astana Trade Horizon LLP", "KZ", 420 + 20 * k, 2e5, "3304990000")
        for k in range(4)
    ]
    rows += [line("EMBARGO", "Synthetic Buyer OOO", "RU", 300, 5e4)]
    frame = pd.DataFrame(rows)
    frame["declaration_date"] = pd.to_datetime(frame["declaration_date"])
    return frame


def test_only_the_diverting_patterns_alert() -> None:
    alerts = strategic_alerts(world())
    by_subject = dict(zip(alerts["subject_id"], alerts["explanation"], strict=True))
    assert set(by_subject) == {"SAFE", "NEW", "EMBARGO"}
    assert "first export of listed goods" in by_subject["NEW"]
    assert "consignee without a track record" in by_subject["SAFE"]
    assert "sudden volume" in by_subject["SAFE"]
    assert "embargoed destination" in by_subject["EMBARGO"]
    assert "tier-1" in by_subject["NEW"] and "AM" in by_subject["NEW"]


def test_lower_threshold_shows_weaker_groups_with_their_reasons() -> None:
    alerts = strategic_alerts(world(), threshold=0.0)
    assert "STEADY" not in set(alerts["subject_id"])  # no indicator at all
    assert "SPELL" not in set(alerts["subject_id"])  # a respelled customer is not new


def test_alerts_round_trip_through_the_alert_file(tmp_path: Path) -> None:
    alerts = strategic_alerts(world())
    write_alerts(alerts, tmp_path / "alerts.csv")
    back = read_alerts(tmp_path / "alerts.csv")
    assert len(back) == len(alerts) and back["score"].between(0, 1).all()
    assert all(e["declarations"] for e in back["evidence"])


def test_listed_tiers_use_the_most_sensitive_prefix() -> None:
    goods = pd.DataFrame(
        {
            "hs_code": ["8542", "854231", "8517.62"],
            "list": ["dual-use", "CHPL-tier1", "CHPL-tier2"],
            "tier": ["4", "", ""],
        }
    )
    tiers = listed_tiers(pd.Series(["8542310000", "8542390000", "8517620000", "3304990000"]), goods)
    assert tiers.tolist()[:3] == [1.0, 4.0, 2.0] and pd.isna(tiers.iloc[3])
