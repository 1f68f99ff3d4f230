"""Alembic environment for opsgate: migrations run on opsgate's own engine factory, so SQLite gets the same
pragmas and transaction handling as the application, and the URL never passes through configparser.

The URL comes from `config.attributes["database_url"]` (set by `opsgate.db.upgrade_database`), else from
OPSGATE_DATABASE_URL, else the default SQLite file. A caller may also hand over an open connection in
`config.attributes["connection"]`.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from opsgate.db import DEFAULT_DATABASE_URL, create_db_engine, model_metadata, normalize_database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = model_metadata()
MIGRATION_LOCK_KEY = 0x6F70_7367  # "opsg", an int4 as the two-key form of the lock needs


def _database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("OPSGATE_DATABASE_URL")
    return str(url or DEFAULT_DATABASE_URL)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Render a TypeDecorator as the type it stores, so revisions never import application code.
    if type_ == "type" and isinstance(obj, sa.TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _configure(**options: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, render_item=_render_item, **options)


def run_migrations_offline() -> None:
    url = normalize_database_url(_database_url())
    _configure(url=url, literal_binds=True, render_as_batch=url.get_backend_name() == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: sa.Connection) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together upgrade one schema one at a time; the lock ends with the transaction.
            lock = sa.text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))")
            connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = create_db_engine(_database_url())
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
