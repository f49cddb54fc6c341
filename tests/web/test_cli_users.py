"""`opencustoms users` administration and password input (issue 18, findings 7 and 12):
no password on the command line, the policy on every path, disable / enable / set-role /
reset-password ending sessions and tokens, each audited with the OS account as actor."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.db import get_engine
from opencustoms.settings import get_settings
from opencustoms.workspace import audit, sessions
from opencustoms.workspace.users import list_users, prepare_database

GOOD = "a long passphrase"


@pytest.fixture(autouse=True)
def engine() -> Engine:
    """The test's own database (tests/conftest.py isolates var/), migrated."""
    engine = get_engine(get_settings().resolved_database_url)
    prepare_database(engine)
    return engine


def _create(runner: CliRunner, name: str, *extra: str, role: str = "officer", **kw: str):  # type: ignore[no-untyped-def]
    args = ["users", "create", "--username", name, "--role", role, "--office", "40", *extra]
    return runner.invoke(app, args, **kw)


def test_a_password_on_the_command_line_is_no_longer_accepted() -> None:
    runner = CliRunner()
    r = _create(runner, "kim", "--password", "a long passphrase")
    assert r.exit_code == 2 and "No such option: --password" in r.output
    assert list_users(engine=get_engine()) == []


def test_password_from_prompt_file_or_stdin(tmp_path: Path) -> None:
    runner = CliRunner()
    # Prompted twice, hidden; a mismatch asks again.
    r = _create(runner, "prompted", input=f"{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n")
    assert r.exit_code == 0, r.output
    assert GOOD not in r.output  # hidden input is not echoed
    secret = tmp_path / "pw.txt"
    secret.write_text("from a file, long enough\n", encoding="utf-8")
    r = _create(runner, "filed", "--password-file", str(secret))
    assert r.exit_code == 0, r.output
    r = _create(runner, "piped", "--password-stdin", input=f"{GOOD}\n")
    assert r.exit_code == 0, r.output
    engine = get_engine()
    from opencustoms.workspace.users import authenticate

    assert authenticate(engine=engine, username="prompted", password=GOOD)
    assert authenticate(engine=engine, username="filed", password="from a file, long enough")
    assert authenticate(engine=engine, username="piped", password=GOOD)
    r = _create(runner, "both", "--password-file", str(secret), "--password-stdin", input="x\n")
    assert r.exit_code == 2 and "not both" in r.output
    r = _create(runner, "nofile", "--password-file", str(tmp_path / "missing"))
    assert r.exit_code == 2


def test_weak_passwords_are_refused_naming_the_field() -> None:
    runner = CliRunner()
    for weak, reason in (
        ("eightchr", "at least 12 characters"),
        ("qwerty123456", "too common"),
        (" " * 14, "only spaces"),
    ):
        r = _create(runner, "weak", "--password-stdin", input=f"{weak}\n")
        assert r.exit_code == 2, r.output
        assert "error: password:" in r.output and reason in r.output
    assert list_users(engine=get_engine()) == []
    r = _create(runner, "kim", "--password-stdin", input=f"{GOOD}\n")
    assert r.exit_code == 0
    r = runner.invoke(app, ["users", "reset-password", "kim", "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "error: password: at least 12 characters" in r.output


def test_disable_enable_set_role_reset_end_credentials_and_are_audited() -> None:
    runner = CliRunner()
    assert (
        _create(runner, "lee", "--password-stdin", role="supervisor", input=f"{GOOD}\n").exit_code
        == 0
    )
    engine = get_engine(get_settings().resolved_database_url)
    (lee,) = list_users(engine=engine)
    token, _ = sessions.issue_token(engine=engine, user=lee)
    sid, _ = sessions.open_session(engine=engine, user=lee)

    r = runner.invoke(app, ["users", "set-role", "lee", "officer", "--office", "20"])
    assert r.exit_code == 0, r.output
    assert "ended 1 session(s) and 1 token(s)" in r.output
    assert sessions.user_for_token(engine=engine, token=token) is None
    assert sessions.user_for_session(engine=engine, sid=sid) is None

    token, _ = sessions.issue_token(engine=engine, user=lee)
    r = runner.invoke(app, ["users", "disable", "lee"])
    assert r.exit_code == 0 and "disabled" in r.output
    assert sessions.user_for_token(engine=engine, token=token) is None
    r = runner.invoke(app, ["users", "enable", "lee"])
    assert r.exit_code == 0 and "enabled" in r.output

    token, _ = sessions.issue_token(engine=engine, user=lee)
    r = runner.invoke(
        app, ["users", "reset-password", "lee"], input="another passphrase\nanother passphrase\n"
    )
    assert r.exit_code == 0, r.output
    assert sessions.user_for_token(engine=engine, token=token) is None

    r = runner.invoke(app, ["users", "set-role", "lee", "chief"])
    assert r.exit_code == 2 and "error: role:" in r.output
    r = runner.invoke(app, ["users", "disable", "nobody"])
    assert r.exit_code != 0 and "nobody" in r.output

    _, entries = audit.list_entries(engine=engine, limit=50, object_id="lee")
    actions = [e.action for e in entries]
    for action in (
        "user_create",
        "user_role",
        "user_disable",
        "user_enable",
        "user_password_reset",
    ):
        assert action in actions
    assert all(e.actor.startswith("cli:") and e.ts for e in entries)
    (role,) = [e for e in entries if e.action == "user_role"]
    assert role.detail["before"] == {"role": "supervisor", "office": "40", "trader_id": None}
    assert role.detail["after"]["role"] == "officer"


def test_disable_from_another_process_stops_every_server_worker(tmp_path: Path) -> None:
    """Two uvicorn worker processes serve a token; `users disable` in a third process;
    the token's very next request is refused by whichever worker takes it (before the
    fix each worker could keep serving it from its 30 s cache)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    runner = CliRunner()
    assert _create(runner, "kim", "--password-stdin", input=f"{GOOD}\n").exit_code == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "OPENCUSTOMS_VAR_DIR": str(get_settings().var_dir)}
    env.pop("OPENCUSTOMS_DATABASE_URL", None)
    cmd = [sys.executable, "-c", "from opencustoms.cli.main import main; main()"]
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Generous: two workers import the app while parallel tests load the machine.
        deadline = time.monotonic() + 240
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.3)
        r = httpx.post(f"{base}/api/auth/token", json={"username": "kim", "password": GOOD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        # A new connection per request, so both workers serve (and would cache) the token.
        assert {httpx.get(f"{base}/api/me", headers=headers).status_code for _ in range(30)} == {
            200
        }
        done = subprocess.run([*cmd, "users", "disable", "kim"], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
        codes = [httpx.get(f"{base}/api/me", headers=headers).status_code for _ in range(30)]
        assert set(codes) == {401}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
