"""Risk routes, split by sub-resource: scoring and the model (``scores``), office queues
and dashboards (``queue``), a declaration's assessment with the officers' decisions on it
(``decisions``), officer rules and office capacity (``rules``)."""

from __future__ import annotations

from fastapi import APIRouter

from opencustoms.web.routes.risk import (
    decisions,
    drift,
    queue,
    rules,
    scores,
    supervision,
)

router = APIRouter()
for _module in (scores, queue, decisions, rules, drift, supervision):
    router.include_router(_module.router)
