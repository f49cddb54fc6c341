"""Issue 18, finding 10: upload limits count decompressed bytes and stream.

Before the fix the 64 MB limit counted compressed bytes: a small gzip inflating to
hundreds of MB was read whole into memory (0.6 -> 2 GB for 1 MB -> 300 MB), ``.csv.gz``
uploads did not ingest, and an oversize body was received in full before being refused."""

from __future__ import annotations

import asyncio
import gzip
import io
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from opencustoms.settings import Settings
from opencustoms.web.uploads import BodyLimit

from .conftest import KCS_VALID, OWN, World, auth

LIMIT = 2_000_000


@pytest.fixture
def small_limit_client(settings: Settings) -> Iterator[TestClient]:
    from opencustoms.web.app import create_app

    with TestClient(create_app(settings.model_copy(update={"upload_max_bytes": LIMIT}))) as c:
        yield c


def _upload(client: TestClient, world: World, name: str, body: bytes, who: str = "officer"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/declarations/upload",
        headers=auth(world, who),
        files={"file": (name, body, "application/gzip")},
        data={"profile": "kcs"},
    )


def test_gzip_bomb_is_refused_on_decompressed_size(
    small_limit_client: TestClient, world: World
) -> None:
    header = pd.read_csv(KCS_VALID, dtype=str, nrows=0).to_csv(index=False).encode()
    bomb = gzip.compress(header + b"0" * (20 * LIMIT), compresslevel=9)
    assert len(bomb) < LIMIT // 20  # small on the wire
    r = _upload(small_limit_client, world, "bomb.csv.gz", bomb)
    assert r.status_code == 413, r.text
    assert "after decompression" in r.text


def test_csv_gz_upload_ingests(client: TestClient, world: World) -> None:
    rows = pd.read_csv(KCS_VALID, dtype=str)
    rows = rows[rows["Office ID"] == OWN].head(20)
    body = gzip.compress(rows.to_csv(index=False).encode())
    r = _upload(client, world, "own.csv.gz", body)
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert summary["input"] == 20 and summary["stored"] + summary["duplicates"] == 20


def test_oversize_body_is_refused_as_soon_as_the_limit_passes() -> None:
    chunks = [b"x" * 1000] * 100
    read: list[int] = []
    sent: list[dict] = []  # type: ignore[type-arg]

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        while True:  # an app reading its whole body, as a multipart parser does
            message = await receive()
            if not message.get("more_body"):
                break

    async def receive():  # type: ignore[no-untyped-def]
        read.append(1)
        return {"type": "http.request", "body": chunks[len(read) - 1], "more_body": True}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(BodyLimit(app, max_bytes=5_500)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert len(read) == 6  # stopped at the chunk that passed 5,500 bytes, not 100
    # With a Content-Length over the limit nothing is read at all.
    read.clear()
    sent.clear()
    scope = {"type": "http", "headers": [(b"content-length", b"100000")]}
    asyncio.run(BodyLimit(app, max_bytes=5_500)(scope, receive, send))
    assert sent[0]["status"] == 413 and read == []


def test_plain_csv_upload_still_works(client: TestClient, world: World) -> None:
    rows = pd.read_csv(KCS_VALID, dtype=str)
    buf = io.BytesIO(rows[rows["Office ID"] == OWN].head(5).to_csv(index=False).encode())
    r = client.post(
        "/api/declarations/upload",
        headers=auth(world, "officer"),
        files={"file": ("own.csv", buf.getvalue(), "text/csv")},
        data={"profile": "kcs"},
    )
    assert r.status_code == 200, r.text
