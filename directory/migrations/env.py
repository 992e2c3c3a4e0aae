"""Alembic environment: runs migrations on the engine the caller bound (see `directory.db`)."""

from alembic import context
from sqlalchemy import Engine

from directory.db import make_engine, ours
from directory.models import Base

config = context.config
engine: Engine = config.attributes.get("engine") or make_engine(
    config.get_main_option("sqlalchemy.url")
)


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=ours,
    )
    with context.begin_transaction():
        context.run_migrations()
