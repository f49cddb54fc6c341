"""Registration with e-mail verification, login under rate limits, identity links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, select

from opencustoms.db import session_scope
from opencustoms.errors import Conflict, Forbidden, InvalidInput, NotFound
from opencustoms.portal import accounts as acc
from opencustoms.portal.mail import FileMailer, MemoryMailer
from opencustoms.portal.models import AccountRow
from opencustoms.portal.ratelimit import Limiter, RateLimited

from .conftest import NOW, Clock

URL = "https://portal.example/verify"


def _register(
    engine: Engine,
    mailer: MemoryMailer,
    limiter: Limiter,
    email: str = "Minji@Example.org",
    lang: str = "ko",
    ip: str = "10.0.0.1",
) -> str:
    acc.register(
        engine=engine,
        mailer=mailer,
        email=email,
        password="correct horse battery",
        display_name="Kim Minji",
        language=lang,
        client_ip=ip,
        verify_url=URL,
        limiter=limiter,
        now=NOW,
    )
    link = mailer.last_link(email.lower())
    assert link is not None
    return parse_qs(urlparse(link).query)["token"][0]


def test_register_verify_login(any_engine: Engine, mailer: MemoryMailer, limiter: Limiter) -> None:
    token = _register(any_engine, mailer, limiter)
    msg = mailer.messages[-1]
    assert msg["To"] == "minji@example.org"
    assert "계정을 활성화" in msg.get_content()  # Korean mail for a Korean registration
    with session_scope(any_engine) as s:
        row = s.scalars(select(AccountRow)).one()
        assert row.status == "pending" and token not in (row.verify_hash or "")
    # Not verified yet: the login answer is the same as for a wrong password.
    with pytest.raises(acc.LoginFailed) as pending:
        acc.authenticate(
            engine=any_engine,
            email="minji@example.org",
            password="correct horse battery",
            client_ip="ip",
            limiter=limiter,
        )
    account = acc.verify_email(engine=any_engine, token=token, now=NOW)
    assert account.status == "active"
    with pytest.raises(NotFound):  # a link works once
        acc.verify_email(engine=any_engine, token=token, now=NOW)
    me = acc.authenticate(
        engine=any_engine,
        email=" MINJI@example.org ",
        password="correct horse battery",
        client_ip="ip",
        limiter=limiter,
    )
    assert me.id == account.id
    with pytest.raises(acc.LoginFailed) as wrong:
        acc.authenticate(
            engine=any_engine,
            email="minji@example.org",
            password="x" * 12,
            client_ip="ip",
            limiter=limiter,
        )
    with pytest.raises(acc.LoginFailed) as unknown:
        acc.authenticate(
            engine=any_engine,
            email="nobody@example.org",
            password="x" * 12,
            client_ip="ip",
            limiter=limiter,
        )
    assert str(pending.value) == str(wrong.value) == str(unknown.value)


def test_expired_link_and_re_registration(
    engine: Engine, mailer: MemoryMailer, clock: Clock, limiter: Limiter
) -> None:
    first = _register(engine, mailer, limiter, lang="en")
    assert "activate your account" in mailer.messages[-1].get_content()
    second = _register(engine, mailer, limiter, lang="en")  # lost mail: a fresh link
    with pytest.raises(NotFound):
        acc.verify_email(engine=engine, token=first, now=NOW)
    with pytest.raises(InvalidInput) as err:
        acc.verify_email(engine=engine, token=second, now=NOW + dt.timedelta(hours=25))
    assert err.value.field == "token"
    acc.verify_email(engine=engine, token=second, now=NOW + dt.timedelta(hours=1))
    with pytest.raises(RateLimited):  # a third mail to one address within a day: refused
        _register(engine, mailer, limiter)
    clock.t += 86400
    with pytest.raises(Conflict):
        _register(engine, mailer, limiter)


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("email", {"email": "not-an-address"}),
        ("password", {"password": "short"}),
        ("password", {"email": "longenoughname@example.org", "password": "longenoughname"}),
        ("display_name", {"display_name": "  "}),
        ("language", {"language": "fr"}),
    ],
)
def test_bad_registrations_name_the_field(
    engine: Engine, mailer: MemoryMailer, limiter: Limiter, field: str, kw: dict
) -> None:
    args = {
        "email": "a@example.org",
        "password": "correct horse battery",
        "display_name": "A",
        "language": "en",
    } | kw
    with pytest.raises(InvalidInput) as err:
        acc.register(
            engine=engine,
            mailer=mailer,
            client_ip="1.1.1.1",
            verify_url=URL,
            limiter=limiter,
            **args,
        )
    assert err.value.field == field
    assert mailer.messages == []


def test_login_is_limited_per_account_and_per_ip(
    engine: Engine, mailer: MemoryMailer, clock: Clock, limiter: Limiter
) -> None:
    token = _register(engine, mailer, limiter)
    acc.verify_email(engine=engine, token=token, now=NOW)
    # A guesser rotating IPs still meets the per-account limit (burst 5).
    for i in range(5):
        with pytest.raises(acc.LoginFailed):
            acc.authenticate(
                engine=engine,
                email="minji@example.org",
                password="guess" * 3,
                client_ip=f"10.1.0.{i}",
                limiter=limiter,
            )
    with pytest.raises(RateLimited) as err:
        acc.authenticate(
            engine=engine,
            email="minji@example.org",
            password="correct horse battery",
            client_ip="10.9.9.9",
            limiter=limiter,
        )
    assert err.value.limit == "login_account" and err.value.retry_after > 0
    # One IP spraying many accounts meets the per-IP limit (burst 10).
    for i in range(10):
        with pytest.raises(acc.LoginFailed):
            acc.authenticate(
                engine=engine,
                email=f"u{i}@example.org",
                password="guess" * 3,
                client_ip="10.2.0.1",
                limiter=limiter,
            )
    with pytest.raises(RateLimited) as err:
        acc.authenticate(
            engine=engine,
            email="u99@example.org",
            password="guess" * 3,
            client_ip="10.2.0.1",
            limiter=limiter,
        )
    assert err.value.limit == "login_ip"
    clock.t += 3600  # an hour later the owner gets in
    assert (
        acc.authenticate(
            engine=engine,
            email="minji@example.org",
            password="correct horse battery",
            client_ip="10.9.9.9",
            limiter=limiter,
        ).email
        == "minji@example.org"
    )


def test_registration_is_limited_per_ip(
    engine: Engine, mailer: MemoryMailer, limiter: Limiter
) -> None:
    for i in range(3):
        _register(engine, mailer, limiter, email=f"p{i}@example.org", ip="10.3.0.1")
    with pytest.raises(RateLimited):
        _register(engine, mailer, limiter, email="p9@example.org", ip="10.3.0.1")


def test_identity_links_need_an_officer(
    engine: Engine, mailer: MemoryMailer, limiter: Limiter
) -> None:
    token = _register(engine, mailer, limiter)
    me = acc.verify_email(engine=engine, token=token, now=NOW)
    with pytest.raises(InvalidInput):
        acc.request_identity(engine=engine, account_id=me.id, kind="pccc", value="P12")
    ident = acc.request_identity(
        engine=engine, account_id=me.id, kind="pccc", value="p100000000001"
    )
    with pytest.raises(Conflict):
        acc.request_identity(engine=engine, account_id=me.id, kind="pccc", value="P100000000001")
    assert acc.identities(engine=engine, account_id=me.id)[0]["status"] == "pending"
    assert [p["value"] for p in acc.pending_identities(engine=engine)] == ["P100000000001"]
    with pytest.raises(Forbidden):
        acc.decide_identity(
            engine=engine, identity_id=ident, approve=True, officer="t", role="trader"
        )
    acc.decide_identity(
        engine=engine, identity_id=ident, approve=True, officer="kim", role="officer"
    )
    assert acc.identities(engine=engine, account_id=me.id)[0]["status"] == "verified"


def test_file_mailer_writes_readable_messages(tmp_path) -> None:
    box = FileMailer(tmp_path / "mail")
    box.send(to="a@example.org", subject="확인", body="링크: https://x/y")
    box.send(to="b@example.org", subject="second", body="x")
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == ["000001.eml", "000002.eml"]
    from email import message_from_bytes, policy

    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["Subject"] == "확인" and "https://x/y" in msg.get_content()


def test_smtp_mailer_talks_smtp(tmp_path) -> None:
    """Against a local SMTP sink (a thread speaking the protocol), no network."""
    import socket
    import threading

    from opencustoms.portal.mail import SmtpMailer

    received: list[bytes] = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def serve() -> None:
        conn, _ = srv.accept()
        f = conn.makefile("rb")
        conn.sendall(b"220 sink\r\n")
        data = False
        while line := f.readline():
            if data:
                if line == b".\r\n":
                    data = False
                    conn.sendall(b"250 ok\r\n")
                else:
                    received.append(line)
                continue
            cmd = line[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                conn.sendall(b"250 sink\r\n")
            elif cmd == b"DATA":
                data = True
                conn.sendall(b"354 go\r\n")
            elif cmd == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    SmtpMailer(host="127.0.0.1", port=port, sender="n@customs.example", tls="none").send(
        to="a@example.org", subject="hello", body="body text"
    )
    t.join(5)
    srv.close()
    text = b"".join(received).decode()
    assert "To: a@example.org" in text and "body text" in text
