"""Browser security headers on every response, the Content-Security-Policy among them.

Scripts run only from this server (``script-src 'self'``): no inline script, no inline
event handler, no ``eval``. Pages pass data to their scripts in ``data-*`` attributes or
``<script type="application/json">`` blocks, which the browser does not execute
(``tests/web/test_templates_csp.py`` keeps templates that way). htmx is told not to
evaluate code (``allowEval: false`` in ``base.html``); plotly's SVG charts and cytoscape
need no ``eval`` (``tests/web/test_browser.py`` fails on any reported violation).

Styles keep ``'unsafe-inline'``: plotly and cytoscape write ``style`` attributes and
``<style>`` rules while drawing, and an injected style cannot run code. Images may be
``data:`` or ``blob:`` URLs (plot and network exports, icons in the libraries' CSS).

The interactive API documentation (``/docs``, ``/redoc``) loads Swagger UI and ReDoc from
their CDN as FastAPI does by default; only those two pages allow that CDN, limited to the
two packages' paths, and still no inline script.
"""

from __future__ import annotations

from typing import Any

# Directives shared by every page: no plugins, no <base> hijack, no framing, forms post
# only here.
_COMMON = "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; " + _COMMON
)

_DOCS_CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/ https://cdn.jsdelivr.net/npm/redoc@2/"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' {_DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_DOCS_CDN} https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com; "
    "img-src 'self' data: blob: https://fastapi.tiangolo.com; "
    "worker-src 'self' blob:; connect-src 'self'; " + _COMMON
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})


class SecurityHeaders:
    """Pure ASGI middleware adding browser security headers (no per-request task
    overhead, unlike BaseHTTPMiddleware)."""

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    )
    PAGE = (b"content-security-policy", PAGE_POLICY.encode())
    DOCS = (b"content-security-policy", DOCS_POLICY.encode())

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.DOCS if scope.get("path") in DOCS_PATHS else self.PAGE

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS, csp]
            await send(message)

        await self.app(scope, receive, send_with_headers)
