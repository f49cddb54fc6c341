"""Delivery of the workspace's bytes (issue 19, item 8): fingerprinted static URLs cached
for a year, gzip for static text and large dynamic responses only, pages revalidated."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opencustoms.web.assets import ASSETS, IMMUTABLE, MIN_GZIP_BYTES, STATIC_DIR

from .conftest import World, auth

TEMPLATES = Path(STATIC_DIR).parent / "templates"
PLOTLY = STATIC_DIR / "plotly.min.js"


def test_every_template_links_static_files_by_fingerprint() -> None:
    """A literal /static/ link would be revalidated on every visit instead of cached; a
    static_url() of a file that does not exist would be a broken link."""
    literal, missing = [], []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(TEMPLATES)
        literal += [f"{rel}: {m}" for m in re.findall(r'(?:src|href)="(/static/[^"]+)"', text)]
        for name in re.findall(r"static_url\(['\"]([^'\"]+)['\"]\)", text):
            if not (STATIC_DIR / name).is_file():
                missing.append(f"{rel}: {name}")
    assert literal == [], f"use {{{{ static_url('name') }}}} instead of: {literal}"
    assert missing == [], f"static files that do not exist: {missing}"


def test_static_url_carries_the_content_hash() -> None:
    digest = hashlib.sha256(PLOTLY.read_bytes()).hexdigest()[:12]
    assert ASSETS.url("plotly.min.js") == f"/static/plotly.min.js?v={digest}"
    assert ASSETS.url("no-such-file.js") == "/static/no-such-file.js"


def test_versioned_static_is_immutable_and_gzipped(client: TestClient) -> None:
    url = ASSETS.url("plotly.min.js")
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == IMMUTABLE
    assert resp.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in resp.headers["vary"].lower()
    # httpx decoded the body: it is the file, and what travelled was much smaller.
    assert resp.content == PLOTLY.read_bytes()
    assert int(resp.headers["content-length"]) < PLOTLY.stat().st_size / 2
    assert len(gzip.compress(PLOTLY.read_bytes(), 9, mtime=0)) == int(
        resp.headers["content-length"]
    )
    # Revalidation with the weak ETag of the gzipped copy: 304, no body.
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": resp.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


def test_unversioned_or_stale_static_is_revalidated(client: TestClient) -> None:
    for url in ("/static/app.css", "/static/app.css?v=000000000000"):
        resp = client.get(url, headers={"Accept-Encoding": "identity"})
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "no-cache"
        assert "content-encoding" not in resp.headers


def test_plotly_is_the_partial_bundle_with_every_trace_type_the_pages_draw() -> None:
    head = PLOTLY.read_text(encoding="utf-8")[:300]
    assert "plotly.js (cartesian - minified)" in head
    assert PLOTLY.stat().st_size < 2_000_000  # the full bundle was 4.8 MB
    used: set[str] = set()
    for script in STATIC_DIR.glob("*.js"):
        if script.name.endswith(".min.js"):
            continue
        used |= set(re.findall(r'type:\s*"(\w+)"', script.read_text(encoding="utf-8")))
    # Trace types of the cartesian bundle (its package README); axis/shape types are words
    # of the layout, not traces.
    cartesian = {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "image"}
    cartesian |= {"histogram2dcontour", "pie", "scatter", "scatterternary", "violin"}
    layout_words = {"category", "line", "date", "linear", "log", "rect", "circle", "path"}
    assert used - layout_words, "no trace type found: the scan proves nothing"
    assert used - layout_words <= cartesian, used - layout_words - cartesian


def test_small_json_is_not_compressed_large_pages_are(client: TestClient, world: World) -> None:
    h = {**auth(world, "officer"), "Accept-Encoding": "gzip"}
    small = client.get("/healthz", headers=h)
    assert len(small.content) < MIN_GZIP_BYTES
    assert "content-encoding" not in small.headers
    page = client.get(f"/declarations/{world.own_ids[0]}", headers=h)
    assert page.status_code == 200 and len(page.content) >= MIN_GZIP_BYTES
    assert page.headers["content-encoding"] == "gzip"
    assert page.headers["cache-control"] == "private, no-cache"
    assert "static_url" not in page.text and "/static/plotly.min.js?v=" in page.text


def _asgi(app: object, body_parts: list[bytes], accept: bytes) -> tuple[dict, bytes]:
    import asyncio

    sent: list[dict] = []

    async def call() -> None:
        scope = {"type": "http", "path": "/x", "headers": [(b"accept-encoding", accept)]}

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message)

        await app(scope, receive, send)  # type: ignore[operator]

    asyncio.run(call())
    headers = dict(sent[0]["headers"])
    return headers, b"".join(m.get("body", b"") for m in sent[1:])


def _stub(parts: list[bytes], length: bool) -> object:
    async def app(scope: object, receive: object, send: object) -> None:
        headers = [(b"content-type", b"application/json")]
        if length:
            headers.append((b"content-length", b"%d" % sum(map(len, parts))))
        await send({"type": "http.response.start", "status": 200, "headers": headers})  # type: ignore[operator]
        for i, part in enumerate(parts):
            more = i < len(parts) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})  # type: ignore[operator]

    return app


def test_delivery_compresses_streams_and_spares_small_bodies() -> None:
    from opencustoms.web.assets import Delivery

    big = [b'{"rows": [' + b'{"lane": "green"}, ' * 800, b'{"lane": "red"}]}']
    headers, body = _asgi(Delivery(_stub(big, length=False)), big, b"gzip")
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    assert gzip.decompress(body) == b"".join(big)
    whole = [b"".join(big)]
    headers, body = _asgi(Delivery(_stub(whole, length=True)), whole, b"gzip")
    assert int(headers[b"content-length"]) == len(body) < len(whole[0]) / 5
    assert gzip.decompress(body) == b"".join(big)
    # A client that does not take gzip gets the bytes, marked as varying on Accept-Encoding.
    headers, body = _asgi(Delivery(_stub(big, length=True)), big, b"identity")
    assert b"content-encoding" not in headers and body == b"".join(big)
    assert headers[b"vary"] == b"Accept-Encoding"
    small = [b'{"score": 0.5}']
    for length in (True, False):
        headers, body = _asgi(Delivery(_stub(small, length=length)), small, b"gzip")
        assert b"content-encoding" not in headers and body == small[0]


def _with_includes(rel: str, seen: set[str] | None = None) -> str:
    """A template's text with the text of every template it includes or imports."""
    seen = seen if seen is not None else set()
    if rel in seen or not (TEMPLATES / rel).is_file():
        return ""
    seen.add(rel)
    text = (TEMPLATES / rel).read_text(encoding="utf-8")
    names = re.findall(r"{%-?\s*(?:include|from|import)\s+['\"]([^'\"]+)['\"]", text)
    return text + "".join(_with_includes(n, seen) for n in names if n != "base.html")


def test_pages_without_htmx_use_no_hx_attribute() -> None:
    """A page empties base.html's htmx block to spare its first view the script (issue 19,
    item 8); one that did so and still used hx- attributes would have dead buttons."""
    opted_out = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if re.search(r"{%\s*block htmx\s*%}\s*{%\s*endblock", p.read_text(encoding="utf-8"))
    ]
    assert {"queue.html", "search/search.html", "search/importer.html"} <= set(opted_out)
    using = [rel for rel in opted_out if re.search(r"\shx-[a-z]", _with_includes(rel))]
    assert using == [], f"these pages use hx- attributes but do not load htmx: {using}"
    assert re.search(r"\shx-[a-z]", _with_includes("declaration.html"))
    assert "htmx.min.js" in (TEMPLATES / "base.html").read_text(encoding="utf-8")


def test_queue_first_view_needs_no_request_but_the_page(client: TestClient, world: World) -> None:
    """The queue (the page after sign-in) carries its styles inline and loads no script,
    so an empty cache makes no render-blocking request (issue 19, item 8)."""
    html = client.get("/queue", headers=auth(world, "officer")).text
    head = html.split("</head>")[0]
    assert "<style>" in head and ":root" in head  # app.css, inlined
    assert "figures.css" not in html and "app.css" not in html
    assert "<script" not in html and '<link rel="stylesheet"' not in html
    page = client.get(f"/declarations/{world.own_ids[0]}", headers=auth(world, "officer")).text
    assert ASSETS.url("app.css") in page and ASSETS.url("htmx.min.js") in page


def test_inline_css_refuses_what_would_end_the_style_element(tmp_path: Path) -> None:
    from opencustoms.web.assets import Assets

    (tmp_path / "a.css").write_text("p { color: red }")
    (tmp_path / "b.css").write_text("p::after { content: '</style><script>' }")
    assets = Assets(tmp_path)
    assert str(assets.inline_css("a.css")) == "<style>p { color: red }</style>"
    with pytest.raises(ValueError, match=r"b\.css"):
        assets.inline_css("b.css")
