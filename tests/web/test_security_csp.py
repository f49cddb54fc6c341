"""Content-Security-Policy (issue 18, finding 12): every HTML response restricts scripts
to this server; no inline script, no eval. Before the fix the policy had no script-src, so
any injected ``<script>`` or ``onclick=`` would have run."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import PASSWORD, USERS, World, auth
from .matrix import entries
from .test_authorisation import _ctx

LOOSE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "blob:", "http:")


def directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def script_problems(resp: Any) -> list[str]:
    """What is wrong with the script policy of an HTML response (empty: nothing)."""
    csp = resp.headers.get("content-security-policy")
    if not csp:
        return ["no Content-Security-Policy header"]
    d = directives(csp)
    problems = []
    scripts = d.get("script-src", d.get("default-src"))
    if scripts is None:
        problems.append("no script-src (nor default-src)")
    else:
        problems += [f"script-src allows {w}" for w in scripts if w.lower() in LOOSE]
        problems += [f"script-src allows any {w} host" for w in scripts if w in ("https:",)]
    if d.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    return problems


def _is_html(resp: Any) -> bool:
    return resp.headers.get("content-type", "").startswith("text/html")


def test_every_html_response_restricts_scripts(client: TestClient, world: World) -> None:
    """Every GET route of the app (from the authorisation matrix), as admin, as a trader
    and without login, plus error pages and the API docs."""
    checked, failures = 0, []
    gets = {k: e for k, e in entries().items() if k.startswith("GET ")}
    for user in ("admin", "trader", None):
        headers = auth(world, user) if user else {}
        ctx = _ctx(world, user or "officer", "own")
        for name, entry in gets.items():
            client.cookies.clear()
            resp = entry.call(client, headers, ctx)
            for r in [*resp.history, resp]:
                if _is_html(r):
                    checked += 1
                    failures += [f"{user} {name}: {p}" for p in script_problems(r)]
    for path in ("/login", "/portal", "/no-such-page", "/docs", "/redoc"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert _is_html(r) or r.status_code == 404, path
        checked += 1
        failures += [f"{path}: {p}" for p in script_problems(r)]
    assert not failures, "\n".join(failures)
    # The sweep must really have seen pages (the matrix asks many of them for JSON).
    assert checked >= 10, checked
    assert set(USERS) >= {"admin", "trader"}


PAGES = (
    "/queue", "/dashboard", "/rules", "/drift", "/audit", "/alerts", "/cases",
    "/precision", "/parcels", "/screening", "/tradecrime/alerts", "/tools", "/portal",
    "/portal/estimate", "/portal/hs", "/portal/feedback",
)  # fmt: skip


def test_pages_in_a_browser_session_restrict_scripts(client: TestClient, world: World) -> None:
    """The pages as a browser gets them: logged in by cookie, asking for HTML."""
    r = client.post(
        "/login", data={"username": "admin", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    for path in (*PAGES, f"/declarations/{world.own_ids[0]}"):
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200 and _is_html(r), (path, r.status_code)
        assert not script_problems(r), (path, script_problems(r))


def test_page_policy(client: TestClient) -> None:
    d = directives(client.get("/login").headers["content-security-policy"])
    assert d["script-src"] == ["'self'"]
    assert d["default-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"] and d["base-uri"] == ["'self'"]
    assert "'unsafe-eval'" not in d["style-src"]
    assert d["connect-src"] == ["'self'"]


def test_docs_page_runs_no_inline_script(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and _is_html(r)
    # The only scripts are files: Swagger UI from its pinned CDN path and our init file.
    assert "<script>" not in r.text and "SwaggerUIBundle(" not in r.text
    assert 'src="/static/swagger-init.js?v=' in r.text  # content-hashed URL (web/assets.py)
    assert 'data-openapi-url="/openapi.json"' in r.text
    scripts = directives(r.headers["content-security-policy"])["script-src"]
    assert "'self'" in scripts
    assert all(w == "'self'" or w.startswith("https://cdn.jsdelivr.net/npm/") for w in scripts)
    assert client.get("/static/swagger-init.js").status_code == 200
    # No OAuth2 flow is declared, so FastAPI's redirect page (an inline script) is gone.
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_policy_check_can_fail() -> None:
    """The checker itself refuses the policy this app sent before the fix."""
    old = "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    inline = "script-src 'self' 'unsafe-inline'; object-src 'none'"
    assert script_problems(_Sent(old)) == ["no script-src (nor default-src)"]
    assert script_problems(_Sent(inline)) == ["script-src allows 'unsafe-inline'"]


class _Sent:
    def __init__(self, csp: str) -> None:
        self.headers = {"content-security-policy": csp}
