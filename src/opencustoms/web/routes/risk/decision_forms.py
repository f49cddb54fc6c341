"""The declaration page's inspection form read field by field: each problem in an
officer's words, the API's model (``InspectionIn``) built only from checked values."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_DUTY = 1e13


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_no: int = Field(default=1, ge=1, le=9999)
    fraud: bool = Field(description="Was fraud found?")
    critical: bool = Field(default=False, description="Critical fraud (KCS class 2)")
    additional_duty: float = Field(default=0.0, ge=0, le=MAX_DUTY, description="KRW found due")
    note: str | None = Field(default=None, max_length=1000)


OUTCOMES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
# Domain messages name the API's fields; the form says what to change in its own words.
FORM_WORDS = {
    "additional_duty": "Additional duty can only be recorded with 'fraud found': set it to 0 "
    "or choose 'fraud found'.",
    "critical": "A critical fraud must also be recorded as 'fraud found'.",
}


def inspection_input(
    item_no: str, fraud: str, critical: str, additional_duty: str, note: str
) -> tuple[InspectionIn | None, dict[str, str]]:
    """The form's values checked field by field, each problem in words."""
    errors: dict[str, str] = {}
    outcome = OUTCOMES.get(fraud.strip().lower())
    if outcome is None:
        errors["fraud"] = "Choose an outcome: 'no fraud found' or 'fraud found'."
    text = additional_duty.replace(",", "").replace(" ", "") or "0"
    try:
        duty = float(text)
    except ValueError:
        duty = None
    if duty is None or not math.isfinite(duty):
        errors["additional_duty"] = (
            f"Additional duty must be an amount in KRW such as 250000; "
            f"'{additional_duty[:32]}' is not a number."
        )
    elif duty < 0:
        errors["additional_duty"] = "Additional duty cannot be negative."
    elif duty > MAX_DUTY:
        errors["additional_duty"] = f"Additional duty cannot exceed {MAX_DUTY:,.0f} KRW."
    elif duty > 0 and outcome is False:
        errors["additional_duty"] = FORM_WORDS["additional_duty"]
    if critical and outcome is False:
        errors["critical"] = FORM_WORDS["critical"]
    if errors:
        return None, errors
    try:
        body = InspectionIn.model_validate(
            {
                "item_no": item_no,
                "fraud": outcome,
                "critical": bool(critical),
                "additional_duty": duty,
                "note": note.strip() or None,
            }
        )
    except ValidationError as exc:
        return None, {"other": "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())}
    return body, {}
