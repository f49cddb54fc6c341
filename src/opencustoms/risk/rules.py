"""Officer rules (selectivity criteria) kept as YAML data and validated on load.

A rules file has optional ``watchlists`` (named lists of importers, declarants, sellers,
HS codes or countries) and ``rules``. Each rule: ``id``, owning ``office``, optional
``offices`` it applies to (default: all), ``valid_from``/``valid_to``, ``when`` (a list
of conditions that must all hold), ``action`` (``lane`` and/or ``score_boost``), a
plain-language ``reason`` and ``instructions`` for the examining officer, ``reference``.

>>> errors = validate_rule({"id": "R1", "office": "10", "valid_from": "2020-01-01",
...     "when": [{"field": "hs_cod", "op": "eq", "value": "240220"}],
...     "action": {"lane": "red"}, "reason": "Cigarettes are high risk",
...     "instructions": "Count the packs", "reference": "Internal circular 1"})
>>> errors[0]["field"], "unknown field" in errors[0]["message"]
('when.0', True)
"""

from opencustoms.risk.rule_eval import RuleOutcome, apply, apply_records, evaluate
from opencustoms.risk.rule_schema import (
    DERIVED_FIELDS,
    LANE_RANK,
    LANES,
    NUMERIC_OPS,
    RULE_FIELDS,
    WATCHLIST_KINDS,
    Action,
    Condition,
    Lane,
    Op,
    Rule,
    RuleError,
    RuleSet,
    Watchlist,
    load_rules,
    office_codes,
    validate_rule,
)

__all__ = [
    "DERIVED_FIELDS",
    "LANES",
    "LANE_RANK",
    "NUMERIC_OPS",
    "RULE_FIELDS",
    "WATCHLIST_KINDS",
    "Action",
    "Condition",
    "Lane",
    "Op",
    "Rule",
    "RuleError",
    "RuleOutcome",
    "RuleSet",
    "Watchlist",
    "apply",
    "apply_records",
    "evaluate",
    "load_rules",
    "office_codes",
    "validate_rule",
]
