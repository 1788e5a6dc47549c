"""Alembic environment: runs migrations on the engine handed over by store.db (no ini file needed)."""

from __future__ import annotations

from alembic import context

from store.schema import metadata

target_metadata = metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
