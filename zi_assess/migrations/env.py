"""Alembic environment for zi-assess (Flask-SQLAlchemy 3; SQLite and PostgreSQL)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# The app has set up its log lines (ZI_LOG_FORMAT, stdout): migrations write through them. The
# file's own console setup is only for Alembic run without the app's logging.
if not any(getattr(handler, "_zi_assess", False) for handler in logging.getLogger().handlers):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata,
                      literal_binds=True, **current_app.extensions["migrate"].configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty(context_, revision, directives):
        # `zi-assess db migrate` with no model change writes no empty revision
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # SQLite alters a table by copying it and dropping the old one ("batch" mode), which the
            # foreign keys of rows that refer to it would refuse; the pragma only changes outside a
            # transaction, so it is set before the migrations' transaction and restored after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
