"""CPU cost of the workspace's response compression (web/assets.py ``Delivery``) per
request, in process (no socket, no server): what gzip adds to the JSON API path.

A stub ASGI app answers a JSON body of a given size; each size is timed bare, behind a
pass-through middleware (the cost of any middleware layer) and behind ``Delivery``, with
a client that accepts gzip. Bodies under ``MIN_GZIP_BYTES`` (a score, a token) must cost
no more than a pass-through layer; larger ones pay zlib level 1.

    uv run python benchmarks/bench_workspace_delivery.py [--repeat 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_report
from opencustoms.web.assets import MIN_GZIP_BYTES, Delivery

SIZES = (600, 3000, 20_000, 100_000)


def stub(body: bytes) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class PassThrough:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def relay(message: Any) -> None:
            await send(message)

        await self.app(scope, receive, relay)


def per_request_us(app: Any, n: int) -> tuple[float, int]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/risk/score",
        "query_string": b"",
        "headers": [(b"accept-encoding", b"gzip, deflate, br")],
    }
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    async def loop() -> float:
        for _ in range(min(n, 200)):  # warm-up
            await app(scope, receive, send)
        t0 = time.perf_counter()
        for _ in range(n):
            await app(scope, receive, send)
        return time.perf_counter() - t0

    seconds = asyncio.run(loop())
    return seconds / n * 1e6, len(sent[-1]["body"])


def body_of(size: int) -> bytes:
    rows = [
        {"declaration_id": f"D{i:08d}", "score": round(i / 7, 4), "lane": "green"}
        for i in range(size // 60 + 1)
    ]
    return json.dumps(rows).encode()[:size]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20_000, help="requests per small size")
    args = ap.parse_args()
    print(f"compression from {MIN_GZIP_BYTES} bytes up")
    with machine_report(mode="in-process ASGI, 1 thread, client accepts gzip"):
        print(f"{'body B':>8} {'bare us':>9} {'layer us':>9} {'Delivery us':>12} {'sent B':>8}")
        for size in SIZES:
            body = body_of(size)
            n = args.repeat if size < 50_000 else args.repeat // 20
            bare, _ = per_request_us(stub(body), n)
            layer, _ = per_request_us(PassThrough(stub(body)), n)
            delivered, sent = per_request_us(Delivery(stub(body)), n)
            print(f"{size:>8} {bare:>9.1f} {layer:>9.1f} {delivered:>12.1f} {sent:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
