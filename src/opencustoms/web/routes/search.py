"""Officer search across the declarations a user may see, and an importer's profile.

Officers and supervisors search and profile their own office's declarations only;
analysts and admins every office; traders neither (they have the portal). Both pages
answer HTML or JSON (``render``) and every search or profile view is audited with the
declarations it showed, as queue views are.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from opencustoms.cases.access import visible_offices
from opencustoms.cases.profile import importer_profile
from opencustoms.declarations.search import SearchQuery, search_declarations
from opencustoms.web.auth import WS, Staff
from opencustoms.web.pagination import MAX_PAGE_SIZE
from opencustoms.web.render import render
from opencustoms.workspace import audit

router = APIRouter(tags=["search"])
PARTY = r"^[A-Za-z0-9._-]{1,64}$"
Text = Annotated[str | None, Query(max_length=64)]


@router.get(
    "/search",
    response_class=HTMLResponse,
    summary="Search declarations by number, importer, declarant, seller, HS code and dates",
)
def search_page(
    request: Request,
    ws: WS,
    user: Staff,
    number: Text = None,
    importer_id: Text = None,
    declarant_id: Text = None,
    seller_id: Text = None,
    hs_prefix: Annotated[str | None, Query(max_length=10)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Response:
    raw = {
        "number": number,
        "importer_id": importer_id,
        "declarant_id": declarant_id,
        "seller_id": seller_id,
        "hs_prefix": hs_prefix,
        "date_from": date_from,
        "date_to": date_to,
    }
    query = SearchQuery.parse(raw)
    offices = visible_offices(user)
    scope = sorted(offices) if offices is not None else None
    result = search_declarations(
        engine=ws.engine,
        query=query,
        offices=scope,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="search_declarations",
        object_type="search",
        object_id="declarations",
        office=user.office,
        detail={
            "query": query.model_dump(mode="json", exclude_none=True),
            "page": page,
            "declarations": sorted({h.declaration_id for h in result.items}),
        },
    )
    pages = max(1, (result.total + page_size - 1) // page_size)
    given = {k: v for k, v in raw.items() if v}

    def page_url(n: int) -> str:
        return "/search?" + urlencode({**given, "page": n, "page_size": page_size})

    data: dict[str, Any] = {
        "query": query.model_dump(mode="json"),
        "scope": scope,
        "page": page,
        "page_size": page_size,
        "pages": pages,
        **result.model_dump(mode="json"),
    }
    return render(
        request,
        "search/search.html",
        data,
        user=user,
        nav="search",
        page_url=page_url,
        has_next=page < pages,
    )


@router.get(
    "/importers/{importer_id}",
    response_class=HTMLResponse,
    summary="An importer's profile over the offices the caller may read",
    responses={404: {"description": "No declaration of this importer the caller may see"}},
)
def importer_page(
    request: Request,
    ws: WS,
    user: Staff,
    importer_id: Annotated[str, Path(pattern=PARTY)],
) -> Response:
    rules = ws.risk.rules()
    profile = importer_profile(
        engine=ws.engine,
        actor=user,
        importer_id=importer_id,
        rules=rules.rules,
        watchlists=rules.watchlists,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="view_importer_profile",
        object_type="importer",
        object_id=importer_id,
        office=user.office,
        detail={"declarations": sorted({r.declaration_id for r in profile.recent})},
    )
    return render(
        request, "search/importer.html", profile.model_dump(mode="json"), user=user, nav="search"
    )
