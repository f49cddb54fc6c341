"""Officer rules: validation names file, rule id and field; conditions fire correctly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from opencustoms.risk.rules import RuleError, apply, load_rules, validate_rule

GOOD = {
    "id": "T-1",
    "office": "40",
    "valid_from": "2021-01-01",
    "when": [{"field": "hs_code", "op": "starts_with", "value": "8517"}],
    "action": {"lane": "red"},
    "reason": "Phones are often undervalued",
    "instructions": "Check IMEI numbers against the invoice",
    "reference": "Test circular 7",
}


def _with(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def test_bundled_rules_are_valid() -> None:
    rs = load_rules()
    assert {r.id for r in rs.rules} >= {"NAT-EXCISE", "ICN-LOW-UNIT-VALUE-APPAREL"}
    assert rs.watchlists["excise_goods"].kind == "hs_code"


def test_valid_rule_has_no_errors() -> None:
    assert validate_rule(GOOD) == []
    assert validate_rule(yaml.safe_dump(GOOD)) == []


@pytest.mark.parametrize(
    ("rule", "field", "fragment"),
    [
        (_with(when=[{"field": "colour", "op": "eq", "value": "red"}]), "when.0", "unknown field"),
        (_with(when=[{"field": "tax_rate", "op": "gt", "value": "high"}]), "when.0", "number"),
        (_with(when=[{"field": "hs_code", "op": "in", "value": []}]), "when.0", "non-empty list"),
        (_with(when=[]), "when", "at least 1"),
        (_with(action={}), "action", "lane and/or"),
        (_with(action={"lane": "purple"}), "action.lane", "green"),
        (_with(action={"score_boost": 3}), "action.score_boost", "less than or equal"),
        (_with(valid_to="2020-01-01"), "rule", "valid_to is before valid_from"),
        (_with(office="999"), "rule", "office '999'"),
        (_with(id="bad id!"), "id", "pattern"),
        (_with(reason=""), "reason", "at least 5"),
        (
            _with(when=[{"field": "importer_id", "op": "in_watchlist", "value": "nope"}]),
            "when.0.value",
            "unknown watchlist",
        ),
        (
            _with(when=[{"field": "importer_id", "op": "in_watchlist", "value": "excise_goods"}]),
            "when.0.field",
            "lists hs_code",
        ),
    ],
)
def test_invalid_rule_reports_the_field(rule: dict[str, object], field: str, fragment: str) -> None:
    errors = validate_rule(rule)
    assert errors, "expected an error"
    assert any(e["field"].startswith(field) and fragment in e["message"] for e in errors), errors


def test_yaml_text_that_is_not_a_mapping() -> None:
    assert validate_rule("- just\n- a list")[0]["field"] == "rule"
    assert "not valid YAML" in validate_rule("a: [unclosed")[0]["message"]


def test_load_errors_name_file_rule_and_field(tmp_path: Path) -> None:
    bad = _with(id="BAD-1", when=[{"field": "hs_cod", "op": "eq", "value": "1"}])
    dup = _with(id="T-1")
    (tmp_path / "a.yaml").write_text(yaml.safe_dump({"rules": [GOOD]}))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump({"rules": [bad, dup]}))
    with pytest.raises(RuleError) as exc:
        load_rules(tmp_path, strict=True)
    text = str(exc.value)
    assert "b.yaml: rule BAD-1: when.0: unknown field 'hs_cod'" in text
    assert "b.yaml: rule T-1: id: duplicate of a rule in a.yaml" in text
    # Not strict (scoring): the broken file is refused, the good one stays in force.
    rs = load_rules(tmp_path)
    assert [r.id for r in rs.rules] == ["T-1"] and list(rs.rejected) == ["b.yaml"]


def _frame(**cols: list[object]) -> pd.DataFrame:
    base = {
        "declaration_id": ["A", "B", "C"],
        "declaration_date": pd.to_datetime(["2020-12-31", "2021-01-05", "2021-01-05"]),
        "office_id": ["40", "40", "20"],
        "hs_code": ["851712", "851712", "220300"],
        "importer_id": ["X", "9KQBFDU", None],
        "origin_country": ["CN", "CN", "DE"],
        "departure_country": ["CN", "HK", "DE"],
        "tax_type": ["FCN1", "FCN1", "A"],
        "tax_rate": [8.0, 8.0, 30.0],
        "item_price_krw": [1e6, 1e9, 5e8],
        "net_mass_kg": [1.0, 0.0, 2.0],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_conditions_validity_and_offices(tmp_path: Path) -> None:
    rules = [
        GOOD,
        _with(
            id="T-2",
            office="national",  # an office's rule may not reach another office (issue 18)
            offices=["20"],
            when=[{"field": "hs4", "op": "eq", "value": "2203"}],
            action={"lane": "yellow", "score_boost": 0.2},
        ),
        _with(
            id="T-3",
            when=[
                {"field": "origin_country", "op": "differs_from", "value": "departure_country"},
                {"field": "tax_type", "op": "starts_with", "value": "F"},
            ],
            action={"score_boost": 0.1},
        ),
        _with(
            id="T-4",
            when=[{"field": "unit_value_krw_per_kg", "op": "missing"}],
            action={"lane": "blue"},
        ),
        _with(
            id="T-5",
            when=[{"field": "importer_id", "op": "in_watchlist", "value": "imp"}],
            action={"lane": "yellow"},
        ),
    ]
    watch = {"imp": {"kind": "importer_id", "values": ["9KQBFDU"], "reference": "test"}}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump({"rules": rules, "watchlists": watch}))
    out = apply(_frame(), load_rules(tmp_path))
    # Row A is dated before valid_from: nothing fires.
    assert out.fired[0] == ()
    assert out.fired[1] == ("T-1", "T-3", "T-4", "T-5")
    assert out.forced_lane[1] == "red"  # red outranks blue and yellow
    assert out.fired[2] == ("T-2",)
    assert out.boost.tolist() == [0.0, pytest.approx(0.1), pytest.approx(0.2)]


def test_single_row_rule_path_agrees_with_the_vectorised_one(tmp_path: Path) -> None:
    from opencustoms.declarations.io import load_frame
    from opencustoms.risk.history import derive_columns, derive_record
    from opencustoms.risk.rules import apply_records
    from opencustoms.settings import BUNDLED_DATA_DIR

    frame = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs").head(3000)
    extra = [
        _with(
            id="X-IN",
            when=[
                {"field": "origin_country", "op": "not_in", "value": ["CN"]},
                {"field": "tax_rate", "op": "lte", "value": 8},
            ],
            action={"score_boost": 0.01},
        ),
        _with(
            id="X-MISS",
            when=[
                {"field": "courier_id", "op": "present"},
                {"field": "import_use", "op": "ne", "value": "21"},
            ],
            action={"lane": "yellow"},
        ),
    ]
    (tmp_path / "x.yaml").write_text(yaml.safe_dump({"rules": extra}))
    for rs in (load_rules(), load_rules(tmp_path)):
        vec = apply(derive_columns(frame), rs)
        recs = [
            derive_record({k: (None if pd.isna(v) else v) for k, v in r.items()})
            for r in frame.to_dict("records")
        ]
        for r in recs:
            r["declaration_date"] = r["declaration_date"].date()
        one = apply_records(recs, rs)
        assert vec.fired == one.fired
        assert vec.boost.tolist() == pytest.approx(one.boost.tolist())
        assert vec.forced_lane.tolist() == one.forced_lane.tolist()
        assert sum(map(len, vec.fired)) > 0
