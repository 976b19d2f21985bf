"""Alembic environment shared by every plugin's version folder.

The URL comes from the config (set by chat.db.alembic_config) or from
TOUCHPOINT_DATABASE_URL; the metadata is only needed for autogenerate, which imports the plugins itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import chat.models  # noqa: F401  (registers the core tables)
from chat.config import Settings
from chat.db import Base, sqlite_engine_hook, sync_url

config = context.config
url = config.get_main_option("sqlalchemy.url") or sync_url(Settings().resolved_database_url())
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    if url.startswith("sqlite"):
        sqlite_engine_hook(engine)
    with engine.connect() as connection:
        # Batch mode lets later migrations alter SQLite tables (it copies them).
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
