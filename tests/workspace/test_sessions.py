"""Sessions, tokens and user administration in the domain (issue 18, finding 7), on
both dialects: revocation ends sessions and tokens at once, disabled users cannot log in,
lifetimes hold, the last admin stays, and migration 0011 matches the models."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from opencustoms.db import Base, alembic_config, make_engine, migrate
from opencustoms.errors import Conflict, InvalidInput, NotFound
from opencustoms.workspace import sessions, users
from opencustoms.workspace.models import Role, User, UserCreate
from opencustoms.workspace.users import prepare_database

PASSWORD = "session-test-pass"


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    prepare_database(engine)
    return engine


def _user(engine: Engine, name: str, role: str = "officer", office: str = "40") -> User:
    return users.create_user(
        engine=engine,
        data=UserCreate(username=name, password=PASSWORD, role=role, office=office),  # type: ignore[arg-type]
    )


def test_disable_ends_sessions_and_tokens_and_login(engine: Engine) -> None:
    kim = _user(engine, "kim")
    token, _ = sessions.issue_token(engine=engine, user=kim)
    sid, _ = sessions.open_session(engine=engine, user=kim)
    assert sessions.user_for_token(engine=engine, token=token) == kim
    assert sessions.user_for_session(engine=engine, sid=sid) == kim
    change = users.disable_user(engine=engine, username="kim")
    assert (change.sessions_ended, change.tokens_ended) == (1, 1)
    assert change.user.disabled_at is not None
    assert sessions.user_for_token(engine=engine, token=token) is None
    assert sessions.user_for_session(engine=engine, sid=sid) is None
    assert users.authenticate(engine=engine, username="kim", password=PASSWORD) is None
    # Enabling does not bring the old credentials back: the user signs in anew.
    users.enable_user(engine=engine, username="kim")
    assert sessions.user_for_token(engine=engine, token=token) is None
    assert users.authenticate(engine=engine, username="kim", password=PASSWORD) is not None


def test_a_role_change_ends_the_old_rights(engine: Engine) -> None:
    lee = _user(engine, "lee", role="supervisor")
    token, _ = sessions.issue_token(engine=engine, user=lee)
    change = users.set_role(engine=engine, username="lee", role=Role.OFFICER, office="20")
    assert change.before == {"role": "supervisor", "office": "40", "trader_id": None}
    assert (change.user.role, change.user.office) == (Role.OFFICER, "20")
    assert change.tokens_ended == 1
    assert sessions.user_for_token(engine=engine, token=token) is None
    with pytest.raises(InvalidInput) as err:
        users.set_role(engine=engine, username="lee", role=Role.TRADER)
    assert err.value.field == "trader_id"
    with pytest.raises(InvalidInput) as err:
        users.set_role(engine=engine, username="lee", role=Role.OFFICER, office="999")
    assert err.value.field == "office"
    with pytest.raises(NotFound):
        users.set_role(engine=engine, username="nobody", role=Role.OFFICER)


def test_password_reset_checks_the_policy_and_signs_everyone_out(engine: Engine) -> None:
    park = _user(engine, "park")
    token, _ = sessions.issue_token(engine=engine, user=park)
    for weak in ("short", " " * 14, "password123456"):
        with pytest.raises(InvalidInput) as err:
            users.reset_password(engine=engine, username="park", password=weak)
        assert err.value.field == "password"
    assert sessions.user_for_token(engine=engine, token=token) == park  # nothing changed
    users.reset_password(engine=engine, username="park", password="a brand new passphrase")
    assert sessions.user_for_token(engine=engine, token=token) is None
    assert users.authenticate(engine=engine, username="park", password=PASSWORD) is None
    assert users.authenticate(engine=engine, username="park", password="a brand new passphrase")


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(engine: Engine) -> None:
    _user(engine, "root1", role="admin", office="10")
    with pytest.raises(Conflict):
        users.disable_user(engine=engine, username="root1")
    with pytest.raises(Conflict):
        users.set_role(engine=engine, username="root1", role=Role.ANALYST)
    _user(engine, "root2", role="admin", office="10")
    users.disable_user(engine=engine, username="root1")
    with pytest.raises(Conflict):
        users.disable_user(engine=engine, username="root2")


def test_expired_tokens_and_sessions_are_refused(engine: Engine) -> None:
    choi = _user(engine, "choi")
    token, expires = sessions.issue_token(
        engine=engine, user=choi, lifetime=dt.timedelta(seconds=-1)
    )
    assert expires < dt.datetime.now(dt.UTC)
    assert sessions.user_for_token(engine=engine, token=token) is None
    sid, _ = sessions.open_session(engine=engine, user=choi, lifetime=dt.timedelta(seconds=-1))
    assert sessions.user_for_session(engine=engine, sid=sid) is None
    # Issuing a new one clears the user's expired rows.
    sessions.open_session(engine=engine, user=choi)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ws_session")).scalar_one() == 1


def test_the_lifetime_setting_is_used(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from opencustoms.settings import get_settings

    monkeypatch.setenv("OPENCUSTOMS_TOKEN_LIFETIME", "600")
    get_settings.cache_clear()
    han = _user(engine, "han")
    _, expires = sessions.issue_token(engine=engine, user=han)
    left = (expires - dt.datetime.now(dt.UTC)).total_seconds()
    assert 590 < left <= 600


def test_logout_closes_one_session(engine: Engine) -> None:
    yoon = _user(engine, "yoon")
    a, _ = sessions.open_session(engine=engine, user=yoon)
    b, _ = sessions.open_session(engine=engine, user=yoon)
    assert sessions.close_session(engine=engine, sid=a) is True
    assert sessions.close_session(engine=engine, sid=a) is False
    assert sessions.user_for_session(engine=engine, sid=a) is None
    assert sessions.user_for_session(engine=engine, sid=b) == yoon


def test_migration_0011_matches_the_models_and_keeps_users(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, revision="0010_portal")
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO ws_office (code, name, kind) VALUES ('40', 'x', 'customs_office')")
        )
        conn.execute(
            sa.text(
                "INSERT INTO ws_user (username, password_hash, role, office, created_at) "
                "VALUES ('old', 'h', 'officer', '40', :t)"
            ),
            {"t": dt.datetime.now(dt.UTC)},
        )
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        row = conn.execute(sa.text("SELECT username, disabled_at FROM ws_user")).one()
    assert [d for d in diff if "ws_" in str(d)] == []
    assert tuple(row) == ("old", None)
    # Down to 0010 and up again: the downgrade is real too.
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_portal")
    assert "ws_session" not in sa.inspect(engine).get_table_names()
    migrate(engine)
    assert "ws_session" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_migration_chain_is_literal() -> None:
    import importlib.util

    from opencustoms.db import MIGRATIONS_DIR

    def down(name: str) -> object:
        spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / "versions" / name)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.down_revision

    assert down("0010_portal.py") == "0008_cases"
    assert down("0011_sessions.py") == "0010_portal"
