"""Alembic environment. ``opencustoms.db.migrate`` passes an open connection in
``config.attributes['connection']``; the plain ``alembic`` CLI uses ``sqlalchemy.url``."""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from opencustoms.db import Base

# Each domain with tables adds its models module here (one line each) so that
# autogenerate and the schema test see every table.
MODEL_MODULES = (
    "opencustoms.declarations.models",
    "opencustoms.risk.models",
    "opencustoms.hs.models",
    "opencustoms.workspace.models",
    "opencustoms.parcels.models",
    "opencustoms.cases.models",
    "opencustoms.portal.models",
    "opencustoms.screening.models",
    "opencustoms.world.models",
)
for _module in MODEL_MODULES:
    importlib.import_module(_module)

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (conn := config.attributes.get("connection")) is not None:
    _run(conn)
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        _run(connection)
