"""Database access. Every difference between SQLite and PostgreSQL lives in this module
and, for bulk loading (COPY against executemany), in ``db_bulk.py``.

Other modules use ``get_engine()``, ``session_scope()`` and the helpers below and never
test the dialect themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    MetaData,
    Select,
    create_engine,
    event,
    func,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from opencustoms.settings import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; domain ``models.py`` modules subclass it."""

    metadata = MetaData(naming_convention=NAMING)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL keeps readers (the web UI) unblocked during an ingest; synchronous=NORMAL is
        # still crash-safe in WAL mode (a kill -9 loses at most uncommitted batches).
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # The default 2 MiB page cache thrashes once the key index outgrows it (bulk
        # ingests of 10^6 rows ran ~30% slower); 128 MiB keeps it in memory.
        cur.execute("PRAGMA cache_size=-131072")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()


def in_memory(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database (private to its engine).

    >>> in_memory("sqlite://"), in_memory("sqlite:///:memory:"), in_memory("sqlite:///x.db")
    (True, True, False)
    """
    return url.startswith("sqlite") and url.split("//", 1)[-1] in ("", "/:memory:")


def make_engine(url: str) -> Engine:
    if in_memory(url):
        # One connection shared by every thread: each new connection to ":memory:" would
        # be an empty database of its own (the web app serves requests from a pool).
        return create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine of a database URL (default: the configured one)."""
    return _engine_for(url or get_settings().resolved_database_url)


def open_engine(url: str) -> Engine:
    """``get_engine``, except that an in-memory database gets a new engine, hence a new
    empty database, on every call (so two apps in one process never share one).

    >>> open_engine("sqlite://") is open_engine("sqlite://")
    False
    """
    return make_engine(url) if in_memory(url) else get_engine(url)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime: SQLite returns the naive UTC value
    that was written, PostgreSQL an aware one.

    >>> as_utc(dt.datetime(2026, 1, 1, 12)).isoformat()
    '2026-01-01T12:00:00+00:00'
    """
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class RawSelect:
    """A SELECT compiled once for one engine's dialect and run with the driver's own
    cursor on a pooled connection, for the lookup made on every request (the bearer token
    or session): SQLAlchemy's per-execution work (cache key of the statement, result
    objects) cost more CPU than the indexed query itself. Parameters are strings; result
    values go through the column types' result processors (SQLite returns datetimes as
    text), so rows equal what ``Connection.execute`` gives.
    """

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.engine = engine
        self.sql = str(compiled)
        self.names = [str(c.key) for c in statement.selected_columns]
        self._order = list(compiled.positiontup or []) if compiled.positional else None
        self._processors = [
            (i, proc)
            for i, col in enumerate(statement.selected_columns)
            if (proc := col.type.dialect_impl(dialect).result_processor(dialect, None))
        ]

    def first(self, params: dict[str, str]) -> dict[str, Any] | None:
        """The first row as a dict of column key -> value, or None."""
        args: Any = params if self._order is None else tuple(params[k] for k in self._order)
        dialect = self.engine.dialect
        driver_error = dialect.loaded_dbapi.Error
        # Driver errors leave as SQLAlchemy's (OperationalError...), as from
        # Connection.execute: the web maps those to 503 when the database is gone.
        try:
            conn = self.engine.raw_connection()
        except driver_error as exc:
            raise sa_exc.DBAPIError.instance(
                self.sql, args, exc, driver_error, dialect=dialect
            ) from exc
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self.sql, args)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except driver_error as exc:
            conn.invalidate()  # a broken connection never goes back to the pool
            raise sa_exc.DBAPIError.instance(
                self.sql, args, exc, driver_error, connection_invalidated=True, dialect=dialect
            ) from exc
        finally:
            conn.close()  # back to the pool, which ends the read transaction
        if row is None:
            return None
        values = list(row)
        for i, proc in self._processors:
            values[i] = proc(values[i])
        return dict(zip(self.names, values, strict=True))


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Any:
    """Alembic configuration built in code, so an installed package needs no alembic.ini."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats '%' as interpolation; URL-encoded options (%3D) must survive.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str | Engine | None = None, revision: str = "head") -> None:
    """Bring a database to the latest schema (``alembic upgrade head``); idempotent.

    >>> import tempfile, sqlalchemy as sa
    >>> url = f"sqlite:///{tempfile.mkdtemp()}/doc.sqlite"
    >>> migrate(url)
    >>> "declarations" in sa.inspect(make_engine(url)).get_table_names()
    True
    """
    from alembic import command

    engine = url if isinstance(url, Engine) else get_engine(url)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


_MIGRATED: set[str] = set()


def ensure_migrated(engine: Engine) -> None:
    """``migrate`` once per database and process: request paths (an API batch) call this
    instead of paying for an Alembic run each time."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _MIGRATED:
        migrate(engine)
        _MIGRATED.add(key)


def lock_for_writing(conn: Connection, key: int) -> None:
    """Serialise writers of one kind (e.g. ingests) until the transaction ends.

    SQLite already allows a single writer per database; PostgreSQL gets an advisory lock so
    two ingests cannot both decide that the same new key is absent."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (key,))


def month_of(engine_or_conn: Engine | Connection, column: ColumnElement[Any]) -> Any:
    """SQL expression 'YYYY-MM' of a date column."""
    if engine_or_conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """A non-blocking lock called ``name`` held for the ``with`` block; yields whether it
    was acquired. The operating system or the server releases it if the process dies, so
    it tells a live holder from one killed mid-way.

    PostgreSQL: a session-level advisory lock. SQLite: ``flock`` on a file next to the
    database (in-memory databases are private to the process: always acquired).
    """
    if engine.dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
        )
        with engine.connect() as conn:
            got = bool(conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (key,)).scalar())
            conn.commit()  # the session lock outlives the transaction; do not idle in one
            try:
                yield got
            finally:
                if got:
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
                    conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    import fcntl

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    with open(f"{database}.{safe}.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
