from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import Engine

from opencustoms.db import Base, make_engine
from opencustoms.hs.flags import FEATURE_COLUMNS, flag_features, misclassification_flag
from opencustoms.hs.models import HsFeedback
from opencustoms.hs.service import Classifier, record_feedback, suggest


@pytest.fixture
def engine(database_url: str) -> Engine:
    eng = make_engine(database_url)
    Base.metadata.create_all(eng, tables=[HsFeedback.__table__])  # type: ignore[list-item]
    return eng


def test_feedback_is_stored_and_lifts_the_code(classifier: Classifier, engine: Engine) -> None:
    # An invented trade name: nothing in the nomenclature points at the officer's code, so
    # only the stored case can put it first.
    text = "Zorblax QF-9000 assortment, trade name Quantum Flux"
    code = "030617"
    before = [c.hs6 for c in suggest(text=text, top=5, engine=engine)]
    assert code not in before
    rec = record_feedback(
        engine=engine, text=text, hs_code="0306.17.0040", user="officer1", confirmed=False
    )
    assert rec.hs6 == code and rec.id > 0 and not rec.confirmed
    after = suggest(text=text, top=5, engine=engine)
    assert after[0].hs6 == code
    assert after[0].source == "feedback"
    # A close paraphrase benefits too; unrelated goods do not.
    near = [
        c.hs6 for c in suggest(text="Zorblax QF-9000 Quantum Flux assortment", top=5, engine=engine)
    ]
    assert code in near
    far = [c.hs6 for c in suggest(text="laptop computer with 14 inch screen", top=5, engine=engine)]
    assert code not in far
    # Without the feedback the ranking is the plain one again.
    plain = [c.hs6 for c in suggest(text=text, top=5, engine=engine, use_feedback=False)]
    assert plain == before


def test_feedback_validates_its_fields(classifier: Classifier, engine: Engine) -> None:
    with pytest.raises(ValueError, match="hs_code"):
        record_feedback(engine=engine, text="beef", hs_code="02", user="u", confirmed=True)
    with pytest.raises(ValueError, match="hs_code"):
        record_feedback(engine=engine, text="beef", hs_code="abc", user="u", confirmed=True)
    with pytest.raises(ValueError, match="user"):
        record_feedback(engine=engine, text="beef", hs_code="020130", user=" ", confirmed=True)
    with pytest.raises(ValueError, match="text"):
        record_feedback(engine=engine, text="", hs_code="020130", user="u", confirmed=True)


def test_flag_for_implausible_declared_code(classifier: Classifier) -> None:
    flag = misclassification_flag(
        description="frozen peeled shrimp in 1 kg bags", declared_hs="0106.19", rate_lookup=None
    )
    assert flag.flagged
    assert flag.suggested_hs6.startswith("03")
    assert flag.declared_rank is None or flag.declared_rank > 10


def test_no_flag_for_the_right_code(classifier: Classifier) -> None:
    flag = misclassification_flag(description="fresh boneless beef", declared_hs="0201300600")
    assert not flag.flagged
    assert flag.declared_rank is not None and flag.declared_rank <= 10


def test_flag_reports_the_rate_difference(classifier: Classifier) -> None:
    rates = {"030617": 20.0, "010619": 8.0}
    flag = misclassification_flag(
        description="frozen shrimps and prawns",
        declared_hs="010619",
        rate_lookup=rates.get,
    )
    assert flag.flagged
    if flag.suggested_hs6 == "030617":
        assert flag.rate_difference == pytest.approx(12.0)
    else:
        assert flag.rate_difference is None and "rate unknown" in flag.rate_note


def test_flag_without_rates_says_unknown(classifier: Classifier) -> None:
    flag = misclassification_flag(
        description="frozen shrimps", declared_hs="010619", rate_lookup=lambda code: None
    )
    assert flag.rate_difference is None
    assert "rate unknown" in flag.rate_note


def test_flag_rejects_bad_declared_code(classifier: Classifier) -> None:
    with pytest.raises(ValueError, match="declared_hs"):
        misclassification_flag(description="beef", declared_hs="12")


def test_flag_features_over_a_frame(classifier: Classifier) -> None:
    frame = pd.DataFrame(
        {
            "goods_description": ["fresh boneless beef", "frozen shrimps", None, ""],
            "hs_code": ["020130", "010619", "020130", "020130"],
            "tax_rate": [40.0, 8.0, None, None],
        },
        index=[10, 11, 12, 13],
    )
    feats = flag_features(frame)
    assert list(feats.columns) == list(FEATURE_COLUMNS)
    assert list(feats.index) == [10, 11, 12, 13]
    assert feats.loc[10, "hs_flag"] == 0.0
    assert feats.loc[11, "hs_flag"] == 1.0
    assert feats.loc[11, "hs_same_chapter"] == 0.0
    assert math.isnan(feats.loc[12, "hs_flag"]) and math.isnan(feats.loc[13, "hs_flag"])


def test_flag_features_names_missing_column() -> None:
    with pytest.raises(KeyError, match="goods_description"):
        flag_features(pd.DataFrame({"hs_code": ["020130"]}))


def test_migration_0003_matches_the_model(database_url: str) -> None:
    from sqlalchemy import inspect

    from opencustoms.db import migrate

    migrate(database_url)
    eng = make_engine(database_url)
    columns = {c["name"] for c in inspect(eng).get_columns("hs_feedback")}
    assert columns == {c.name for c in HsFeedback.__table__.columns}
    indexes = {i["name"] for i in inspect(eng).get_indexes("hs_feedback")}
    assert "ix_hs_feedback_hs6" in indexes
