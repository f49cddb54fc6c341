"""Uploaded files, bounded (issue 18, finding 10): any route that takes a file saves it
with :func:`save_upload`, which streams it to a private temporary directory, inflates
``.gz`` files on the fly and counts the *decompressed* bytes, refusing with 413 as soon as
the limit is passed (a 1 MB gzip that inflates to 300 MB never reaches memory or disk).
:class:`BodyLimit` refuses any request body past the limit while it is being received,
before the multipart parser has spooled all of it.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from fastapi import HTTPException, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from opencustoms.errors import InvalidInput

CHUNK = 1 << 20


class TooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"file larger than {limit} bytes (after decompression)")


async def save_upload(
    file: UploadFile, directory: Path, *, suffixes: tuple[str, ...], max_bytes: int
) -> tuple[Path, str]:
    """Save ``file`` into ``directory``; return (path, original name).

    ``.gz`` suffixes are inflated while saving (the path has the inner suffix); raises 413
    past ``max_bytes`` decompressed bytes and ``InvalidInput`` for a bad type, an empty file
    or broken gzip data."""
    name = Path(file.filename or "upload").name
    suffix = next((s for s in suffixes if name.lower().endswith(s)), None)
    if suffix is None:
        raise InvalidInput(
            "file", f"unsupported file type {name!r}; expected {', '.join(suffixes)}"
        )
    gz = suffix.endswith(".gz")
    path = directory / f"upload{suffix.removesuffix('.gz') if gz else suffix}"
    inflate = zlib.decompressobj(wbits=31) if gz else None
    size = 0
    with path.open("wb") as out:

        def write(data: bytes) -> None:
            nonlocal size
            size += len(data)
            if size > max_bytes:
                raise TooLarge(max_bytes)
            out.write(data)

        while chunk := await file.read(CHUNK):
            if inflate is None:
                write(chunk)
                continue
            try:
                while chunk:
                    # bounded steps: a bomb never inflates more than CHUNK at a time
                    write(inflate.decompress(chunk, CHUNK))
                    chunk = inflate.unconsumed_tail
                    if inflate.eof and inflate.unused_data:  # next gzip member
                        chunk = inflate.unused_data + chunk
                        inflate = zlib.decompressobj(wbits=31)
            except zlib.error as exc:
                raise InvalidInput("file", f"{name}: not valid gzip data ({exc})") from exc
        if inflate is not None:
            write(inflate.flush())
            if not inflate.eof:
                raise InvalidInput("file", f"{name}: truncated gzip data")
    if size == 0:
        raise InvalidInput("file", "the file is empty")
    return path, name


class BodyLimit:
    """Pure ASGI middleware: 413 for a request body past ``max_bytes``, from the
    Content-Length header at once, else as soon as the received bytes pass it."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _refuse(send, self.max_bytes)
            return
        seen = 0
        started = False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _Overflow(self.max_bytes)
            return message

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _Overflow:
            if not started:
                await _refuse(send, self.max_bytes)


class _Overflow(StarletteHTTPException):
    # an HTTPException: FastAPI re-raises those from body parsing (others become 400)
    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"request body larger than {limit} bytes")


async def _refuse(send: Any, limit: int) -> None:
    body = b'{"detail":"request body larger than %d bytes"}' % limit
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
