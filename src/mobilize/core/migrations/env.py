"""Alembic environment: runs on the engine handed over by `mobilize.core.migrate`."""

from alembic import context
from sqlalchemy import Engine

from mobilize.core.db import Base
from mobilize.core.settings import load_settings
from mobilize.models import import_all_models

import_all_models()
target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is None:  # plain `alembic` invocation by a developer
        from mobilize.core.db import make_engine

        engine = make_engine(load_settings().database_url)
    return engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
