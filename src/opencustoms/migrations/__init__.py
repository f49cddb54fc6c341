"""Alembic migrations of every domain's tables (run with ``opencustoms.db.migrate``)."""
