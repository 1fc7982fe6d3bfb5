"""Alembic environment: runs on the engine handed over by `mobilize.core.migrate`."""

from alembic import context
from alembic.operations import Operations
from sqlalchemy import Connection, Engine

from mobilize.core.db import Base
from mobilize.core.settings import load_settings
from mobilize.core.status_checks import sync_checks
from mobilize.models import import_all_models

import_all_models()
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is None:  # plain `alembic` invocation by a developer
        from mobilize.core.db import make_engine

        engine = make_engine(load_settings().database_url)
    return engine


def _foreign_keys(connection: Connection, on: bool) -> None:
    # On the driver's connection, which is in autocommit: a PRAGMA through SQLAlchemy would
    # begin a transaction first, and SQLite ignores this one inside a transaction.
    connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
        f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
    )


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table (copy, drop, rename): with foreign keys on, the drop
            # would cascade into the rows that point at it. Off for the migration (outside a
            # transaction, where SQLite honours it), checked before the commit.
            _foreign_keys(connection, on=False)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
            # Statuses added to the workflow table since the last revision (no revision
            # needed); only at the head, where the tables are as the models declare them.
            migration = context.get_context()
            if migration.get_current_revision() == context.get_head_revision():
                sync_checks(Operations(migration), target_metadata)
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken foreign keys: {broken[:5]}")
        connection.commit()
        if connection.dialect.name == "sqlite":
            _foreign_keys(connection, on=True)


run_migrations_online()
