"""Delivery of the workspace's bytes: fingerprinted static files cached for a year, gzip for
text responses, and pages revalidated on every visit (issue 19, item 8).

- ``static_url("plotly.min.js")`` (a template global) gives ``/static/plotly.min.js?v=<hash>``,
  the hash being the first 12 hex digits of the file's SHA-256. A request carrying the
  current hash gets ``Cache-Control: public, max-age=31536000, immutable``: the browser
  never asks again, and a changed file gets a new URL. A request without it (or with an old
  hash) gets ``no-cache``, so the browser revalidates with the ETag (a 304).
- Static text files (JS, CSS, JSON, SVG) of at least ``MIN_GZIP_BYTES`` are sent gzipped
  to clients that accept it, compressed once at level 9 and kept in memory (plotly costs
  tens of milliseconds to compress: not on every first visit).
- Other responses (pages, JSON) are gzipped at level 1 (a third of level 6's CPU for a few
  per cent more bytes), only from ``MIN_GZIP_BYTES`` up: a score or a token (a few hundred
  bytes) is sent as it is, since compressing it would cost the API path CPU for no transfer
  saved on a LAN.
- HTML pages without their own ``Cache-Control`` get ``private, no-cache``: always
  revalidated, never kept by a shared cache (they carry a signed-in user's data).
"""

from __future__ import annotations

import gzip
import os
import threading
import zlib
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from opencustoms.files import sha256_file

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
PAGE_CACHE = "private, no-cache"
# Below this a response is sent as it is: gzip's header and CPU would buy nothing.
MIN_GZIP_BYTES = 4096
DYNAMIC_GZIP_LEVEL = 1
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


class Assets:
    """Content hashes and gzipped copies of the files of one static directory, computed once
    per file version (size and modification time), so an edited file gets a new URL without
    a restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._hashes: dict[str, tuple[tuple[int, int], str]] = {}
        self._gzipped: dict[str, tuple[tuple[int, int], bytes]] = {}
        self._texts: dict[str, tuple[tuple[int, int], str]] = {}

    def _stamp(self, path: Path) -> tuple[int, int]:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns)

    def _file(self, name: str) -> Path:
        path = (self.directory / name).resolve()
        if self.directory.resolve() not in path.parents or not path.is_file():
            raise FileNotFoundError(f"static file {name!r} is not in {self.directory}")
        return path

    def version(self, name: str) -> str:
        path = self._file(name)
        stamp = self._stamp(path)
        cached = self._hashes.get(name)
        if cached is None or cached[0] != stamp:
            digest = sha256_file(path)[:12]
            with self._lock:
                self._hashes[name] = cached = (stamp, digest)
        return cached[1]

    def url(self, name: str) -> str:
        """``/static/<name>?v=<hash>``, or the bare (404) ``/static/<name>`` for a file that
        does not exist: a page still renders, and tests/web/test_assets.py names the file."""
        try:
            return f"/static/{name}?v={self.version(name)}"
        except FileNotFoundError:
            return f"/static/{name}"

    def inline_css(self, *names: str) -> Markup:
        """The stylesheets as one ``<style>`` element, for a page whose first view matters
        more than its later ones (the queue, the page after sign-in): a stylesheet linked
        from the head is a render-blocking request an empty cache must make before the
        page shows (issue 19, item 8). Kept per file version, like the hashes."""
        parts = []
        for name in names:
            path = self._file(name)
            stamp = self._stamp(path)
            cached = self._texts.get(name)
            if cached is None or cached[0] != stamp:
                text = path.read_text(encoding="utf-8")
                if "</" in text:
                    raise ValueError(f"{name}: '</' would end the inlined <style> element")
                with self._lock:
                    self._texts[name] = cached = (stamp, text)
            parts.append(cached[1])
        return Markup("<style>" + "\n".join(parts) + "</style>")

    def warm(self) -> None:
        """Hash and compress every file ahead of the first visitor (``create_app`` runs it
        in a thread: zlib releases the GIL, and the app starts at once)."""
        for path in sorted(self.directory.rglob("*")):
            if path.is_file():
                self.version(path.relative_to(self.directory).as_posix())
                if path.stat().st_size >= MIN_GZIP_BYTES:
                    self.gzipped(path)

    def warm_in_background(self) -> None:
        threading.Thread(target=self.warm, name="static-warm", daemon=True).start()

    def gzipped(self, path: Path) -> bytes:
        key = str(path)
        stamp = self._stamp(path)
        cached = self._gzipped.get(key)
        if cached is None or cached[0] != stamp:
            # mtime=0: the same bytes give the same gzip, whatever the time of compression.
            body = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
            with self._lock:
                self._gzipped[key] = cached = (stamp, body)
        return cached[1]


ASSETS = Assets(STATIC_DIR)


def _compressible(media_type: str) -> bool:
    return media_type.startswith(COMPRESSIBLE)


class StaticAssets(StaticFiles):
    """StaticFiles with the cache policy above and precompressed gzip bodies."""

    def __init__(self, *, assets: Assets) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Any,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        request_headers = Headers(scope=scope)
        path = Path(full_path)
        name = path.resolve().relative_to(self.assets.directory.resolve()).as_posix()
        versioned = _query_version(scope) == self.assets.version(name)
        response.headers["cache-control"] = IMMUTABLE if versioned else REVALIDATE
        response.headers["vary"] = "Accept-Encoding"
        media_type = response.headers.get("content-type", "")
        if (
            response.status_code != 200
            or stat_result.st_size < MIN_GZIP_BYTES
            or not _compressible(media_type)
            or "gzip" not in request_headers.get("accept-encoding", "")
            or "range" in request_headers
        ):
            return response
        body = self.assets.gzipped(path)
        headers = {
            k: v
            for k, v in response.headers.items()
            if k not in ("content-length", "accept-ranges")
        }
        # The same file, another encoding: a weak ETag, which Starlette's If-None-Match check
        # (it strips "W/") still matches for a 304.
        headers["etag"] = "W/" + response.headers["etag"]
        headers["content-encoding"] = "gzip"
        return Response(body, status_code=200, headers=headers, media_type=None)


def _query_version(scope: Any) -> str | None:
    for part in scope.get("query_string", b"").decode("latin-1").split("&"):
        if part.startswith("v="):
            return part[2:]
    return None


class Delivery:
    """Pure ASGI middleware: gzip for dynamic responses (static files are gzipped by
    ``StaticAssets`` from memory), and ``private, no-cache`` on HTML pages.

    Not Starlette's ``GZipMiddleware``: that builds a compressor for every request whose
    client accepts gzip, ~0.1 ms even when the response turns out too small to compress,
    paid by every API call. Here the response's own headers decide first (type, length,
    encoding), and a compressor exists only for a body worth compressing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        accepts = b"gzip" in _header(scope.get("headers", ()), b"accept-encoding")
        await self.app(scope, receive, _Reply(send, accepts).send)


def _header(headers: Any, name: bytes) -> bytes:
    for key, value in headers:
        if key.lower() == name:
            return bytes(value)
    return b""


class _Reply:
    """One response on its way out: its start is held back until the first body part
    says whether it is worth compressing."""

    __slots__ = ("_accepts", "_send", "_start", "_zip")

    def __init__(self, send: Any, accepts: bool) -> None:
        self._send = send
        self._accepts = accepts
        self._start: dict[str, Any] | None = None
        self._zip: Any = None

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            await self._on_start(message)
        elif message["type"] == "http.response.body" and (self._start or self._zip):
            await self._on_body(message)
        else:
            await self._send(message)

    async def _on_start(self, message: dict[str, Any]) -> None:
        headers = list(message.get("headers", ()))
        media_type = _header(headers, b"content-type").decode("latin-1")
        if media_type.startswith("text/html") and not _header(headers, b"cache-control"):
            headers.append((b"cache-control", PAGE_CACHE.encode()))
        message = {**message, "headers": headers}
        length = _header(headers, b"content-length")
        if (
            not _compressible(media_type)
            or _header(headers, b"content-encoding")
            or (length.isdigit() and int(length) < MIN_GZIP_BYTES)
        ):
            await self._send(message)
            return
        if not self._accepts:
            # Another client would get it gzipped: caches must key on Accept-Encoding.
            headers.append((b"vary", b"Accept-Encoding"))
            await self._send(message)
            return
        self._start = message

    async def _on_body(self, message: dict[str, Any]) -> None:
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if self._zip is None:
            start, self._start = self._start, None
            assert start is not None
            if not more and len(body) < MIN_GZIP_BYTES:
                await self._send(start)
                await self._send(message)
                return
            # wbits 31: a gzip stream (header and CRC), not bare zlib.
            self._zip = zlib.compressobj(DYNAMIC_GZIP_LEVEL, zlib.DEFLATED, 31)
            data = self._zip.compress(body) + (b"" if more else self._zip.flush())
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
            if not more:
                headers.append((b"content-length", str(len(data)).encode()))
            await self._send({**start, "headers": headers})
        else:
            data = self._zip.compress(body) + (b"" if more else self._zip.flush())
        await self._send({"type": "http.response.body", "body": data, "more_body": more})
