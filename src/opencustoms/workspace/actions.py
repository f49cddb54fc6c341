"""Officers' actions on a declaration item: record an inspection result, override the lane.

Both go through the risk engine's service (which validates and stores them); this module
maps its results to the workspace API's response models.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import Engine


class InspectionOut(BaseModel):
    declaration_id: str
    item_no: int
    fraud: bool
    critical: bool
    additional_duty: float
    recorded_by: str


class LaneOut(BaseModel):
    declaration_id: str
    item_no: int
    lane: str
    previous_lane: str | None
    reason: str
    overridden_by: str


def record_inspection(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int,
    fraud: bool,
    critical: bool,
    additional_duty: float,
    note: str | None,
    user: str,
) -> InspectionOut:
    """Raises ValueError("field: reason") on a finding the risk engine refuses."""
    from opencustoms.risk import service

    res = service.record_inspection(
        engine=engine,
        declaration_id=declaration_id,
        item_no=item_no,
        fraud=fraud,
        critical=critical,
        additional_duty=additional_duty,
        note=note,
        user=user,
    )
    return InspectionOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        fraud=res.fraud,
        critical=res.critical,
        additional_duty=res.additional_duty,
        recorded_by=res.officer,
    )


def override_lane(
    *, engine: Engine, declaration_id: str, item_no: int, lane: str, reason: str, user: str
) -> LaneOut:
    """Raises ValueError("field: reason") on input the risk engine refuses."""
    from opencustoms.risk import service

    res = service.override_lane(
        engine=engine,
        declaration_id=declaration_id,
        item_no=item_no,
        lane=lane,
        reason=reason,
        user=user,
    )
    return LaneOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        lane=res.lane,
        previous_lane=res.previous_lane,
        reason=res.reason,
        overridden_by=res.user,
    )
