"""Issue 19, item 5: every GET route of the workspace answers a bad query parameter
with a 4xx naming it, never a 500. The walk reads each route's declared query
parameters from the app (a new route is walked without editing this file) and sends
each one malformed values, plus the generic ``page``/``sort``/``date`` parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from opencustoms.settings import Settings

from .conftest import OWN, World, auth

BAD = ("abc", "2021-13-45", "-1", "9" * 30)
GENERIC = {"page": "abc", "sort": "nope", "date": "2021-13-45", "office": "x" * 40}
# Routes whose work is not about parameters and whose cost would dominate the walk.
SKIP = {"/api/hs/suggest", "/healthz", "/logout"}


@pytest.fixture(scope="module")
def lenient(world: World) -> Iterator[TestClient]:
    from .conftest import world_env

    with world_env(world):
        from opencustoms.web.app import create_app

        with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
            yield c


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        # included routers stay one node (``original_router``), as in test_authorisation
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def _path(path: str, world: World) -> str:
    values = {
        "office": OWN,
        "declaration_id": world.own_ids[0],
        "item_no": "1",
        "importer_id": world.trader_id,
    }
    for name in re.findall(r"{(\w+)(?::\w+)?}", path):
        path = re.sub("{" + name + r"(?::\w+)?}", values.get(name, "1"), path)
    return path


def _query_names(dependant: Any) -> list[str]:
    """Query parameters of a route and of its dependencies (e.g. ``page_params``)."""
    names = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return sorted(set(names))


def _routes(app: Any) -> list[tuple[str, APIRoute]]:
    return [
        (prefix + r.path, r)
        for prefix, r in _walk(app.routes)
        if isinstance(r, APIRoute) and "GET" in r.methods and prefix + r.path not in SKIP
    ]


def test_bad_query_parameters_never_500(lenient: TestClient, world: World) -> None:
    failures = []
    walked = 0
    for template, route in _routes(lenient.app):
        path = _path(template, world)
        names = _query_names(route.dependant)
        who = "admin"
        requests = [GENERIC] + [{n: v for n in names} for v in BAD] if names else [GENERIC]
        for i, params in enumerate(requests):
            # browsers and API clients in turn: both error paths are walked
            accept = ("text/html", "application/json")[i % 2]
            r = lenient.get(path, params=params, headers={**auth(world, who), "Accept": accept})
            walked += 1
            if r.status_code >= 500:
                failures.append((template, params, accept, r.status_code, r.text[:200]))
    assert walked > 100
    assert not failures, failures[:10]
