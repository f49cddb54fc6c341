"""One router per domain. A new domain adds its module here (one import, one entry).

Each module's ``router`` holds its API routes (``/api/...``, in the OpenAPI document) and,
where the domain has pages, the page routes (``include_in_schema=False``); a module whose
pages live apart exposes them as ``pages``.
"""

from __future__ import annotations

from fastapi import APIRouter

from opencustoms.web.routes import (
    apidocs,
    cases,
    declarations,
    hs,
    parcels,
    portal,
    risk,
    screening,
    search,
    session,
    tariff,
    tradecrime,
    users,
    workspace,
)

ROUTERS: tuple[APIRouter, ...] = (
    workspace.router,
    users.router,
    declarations.router,
    declarations.pages,
    risk.router,
    tariff.router,
    tariff.pages,
    hs.router,
    hs.pages,
    parcels.router,
    parcels.pages,
    session.router,
    screening.router,
    search.router,
    cases.router,
    portal.router,
    tradecrime.router,
    apidocs.router,
)
