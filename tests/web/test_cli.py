"""The workspace's command-line interface: `users create`, `serve` and `/healthz`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from opencustoms.cli.main import app


def test_users_create_and_errors() -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "first.admin",
            "--password-stdin",
            "--role",
            "admin",
            "--office",
            "10",
        ],
        input="a long passphrase\n",
    )
    assert ok.exit_code == 0, ok.output
    assert "created user first.admin" in ok.output
    listed = runner.invoke(app, ["users", "list"])
    assert "first.admin\tadmin\t10" in listed.output
    bad = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "x",
            "--password-stdin",
            "--role",
            "chief",
            "--office",
            "999",
        ],
        input="short\n",
    )
    assert bad.exit_code == 2
    for field in ("username", "password", "role"):
        assert f"error: {field}:" in bad.output
    office = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "second",
            "--password-stdin",
            "--role",
            "officer",
            "--office",
            "999",
        ],
        input="a long passphrase\n",
    )
    assert office.exit_code == 2 and "office: unknown office code '999'" in office.output
    offices = runner.invoke(app, ["users", "offices"]).output.strip().splitlines()
    assert len(offices) == 50


def test_serve_answers_healthz(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OPENCUSTOMS_VAR_DIR": str(tmp_path / "var")}
    env.pop("OPENCUSTOMS_DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from opencustoms.cli.main import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                status = r.status_code
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert status == 200, proc.stdout.read().decode() if proc.poll() is not None else ""
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert spec["info"]["title"] == "OpenCustoms" and "/api/risk/score" in spec["paths"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
