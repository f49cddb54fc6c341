"""No template carries code the Content-Security-Policy would refuse (issue 18, finding 12):
no inline ``<script>`` with code, no ``on*=`` event handler, no ``hx-on``, no
``javascript:`` URL. Data for scripts go in ``data-*`` attributes or
``<script type="application/json">`` blocks; code goes in ``web/static/*.js``."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import opencustoms.web

WEB = Path(opencustoms.web.__file__).resolve().parent
TEMPLATES = WEB / "templates"
DATA_TYPES = {"application/json", "application/ld+json"}
HANDLER = re.compile(r"^(on[a-z]+|hx-on.*|data-hx-on.*)$")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src=|type=.application/json))")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: tuple[int, bool] | None = None  # (line, counts as code)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if HANDLER.match(name):
                self.problems.append(f"line {line}: inline handler {name}=")
            if value and re.sub(r"\s", "", value).lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}")
        if tag == "script":
            a = dict(attrs)
            kind = (a.get("type") or "").strip().lower()
            self._script = (line, "src" not in a and kind not in DATA_TYPES)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            line, code = self._script
            if code and "".join(self._text).strip():
                self.problems.append(f"line {line}: inline <script> with code")
            self._script = None


def problems_in(html: str) -> list[str]:
    """Problems of one template. Jinja tags become runs of ``x`` (keeping line numbers),
    so a script whose only content is template output still counts as code."""
    scan = _Scan()
    scan.feed(JINJA.sub(lambda m: re.sub(r"[^\n]", "x", m.group()), html))
    scan.close()
    return scan.problems


def test_templates_carry_no_inline_code() -> None:
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 30, "template folder not found"
    found = [f"{p.relative_to(TEMPLATES)} {x}" for p in files for x in problems_in(p.read_text())]
    assert not found, "inline code the CSP refuses (move it to web/static/*.js):\n" + "\n".join(
        found
    )


def test_routes_build_no_inline_script() -> None:
    """HTML assembled in Python (not templates) must not carry scripts either."""
    found = []
    for p in sorted(WEB.rglob("*.py")):
        for n, line in enumerate(p.read_text().splitlines(), 1):
            if INLINE_SCRIPT.search(line) or re.search(r"\son[a-z]+=", line):
                found.append(f"{p.relative_to(WEB)}:{n}")
    assert not found, found


def test_scan_finds_what_it_must() -> None:
    bad = (
        '<p>\n<script>alert(1)</script>\n<button onclick="go()">x</button>\n'
        '<a href=" JavaScript:go()">y</a>\n<div hx-on:click="go()"></div>\n'
        "<script>\n  {{ data | tojson }}\n</script>"
    )
    assert problems_in(bad) == [
        "line 2: inline <script> with code",
        "line 3: inline handler onclick=",
        "line 4: javascript: URL in href",
        "line 5: inline handler hx-on:click=",
        # A script whose only content is Jinja output is still code.
        "line 6: inline <script> with code",
    ]
    good = (
        '<script src="/static/charts.js" defer></script>\n'
        '<script type="application/json" id="d">{{ data | tojson }}</script>\n'
        '<div data-url="/x" class="chart" hx-post="/y"></div>'
    )
    assert problems_in(good) == []
