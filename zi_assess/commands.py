"""Flask CLI commands of ``zi-assess`` (everything except the pure ``score`` / ``criteria``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from zi_assess import create_app


def _create_app() -> Flask:
    return create_app()


app_cli = FlaskGroup(
    name="zi-assess",
    create_app=_create_app,
    add_default_commands=True,
    add_version_option=False,
    load_dotenv=False,
    help="zi-assess: Zona Integritas (WBK/WBBM) evaluations.",
)


@app_cli.command("score", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _score_help(ctx: click.Context) -> None:
    """Score an LKE (JSON) or many (--batch, JSON Lines). See `zi-assess score --help`."""
    from zi_assess.cli_score import main

    ctx.exit(main(["score", *ctx.args]))


@app_cli.command("criteria", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _criteria_help(ctx: click.Context) -> None:
    """Check or show criteria data (check [DIR], show INDICATOR_ID)."""
    from zi_assess.cli_score import main

    ctx.exit(main(["criteria", *ctx.args]))


users = click.Group("users", help="Manage user accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, help="role[:unit code|:instansi name], e.g. unit_head:KW-JKT")
@click.option("--locale", default="id", type=click.Choice(["id", "en"]))
@with_appcontext
def create_user_command(email: str, name: str, password: str, roles: tuple[str, ...], locale: str) -> None:
    """Create an account (and its roles)."""
    from sqlalchemy import select

    from zi_assess.audit import system_actor
    from zi_assess.extensions import db
    from zi_assess.models import Instansi, Role, Unit
    from zi_assess.org import operations as ops

    cli = system_actor("cli")
    try:
        user = ops.create_user(cli, email, name, password, locale=locale)
        for spec in roles:
            role_name, _, scope = spec.partition(":")
            role = Role(role_name)
            unit = db.session.scalar(select(Unit).where(Unit.code == scope)) if scope else None
            instansi = db.session.scalar(select(Instansi).where(Instansi.name == scope)) if scope else None
            if scope and unit is None and instansi is None:
                raise click.UsageError(f"no unit code or instansi named {scope!r}")
            unit_role = role.value.startswith("unit")
            ops.assign_role(cli, user, role, unit=unit if unit_role else None,
                            instansi=instansi or (unit.instansi if unit and not unit_role else None))
        db.session.commit()
    except (ops.InvalidInput, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({', '.join(roles) or 'no roles'})")


@users.command("reset-mfa")
@click.argument("email")
@with_appcontext
def reset_mfa_command(email: str) -> None:
    """Remove an account's second factor (lost phone and recovery codes): enrol again at next sign-in."""
    from zi_assess.audit import system_actor
    from zi_assess.auth.mfa import reset
    from zi_assess.auth.operations import find_user
    from zi_assess.extensions import db

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account {email!r}")
    reset(system_actor("cli"), user)
    db.session.commit()
    click.echo(f"Second factor of {user.email} removed; they enrol again at their next sign-in.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has data")
@click.option("--scale", type=click.Choice(["national"]),
              help="national: 172 instansi, 5,000 units, three years, every layer answered (bulk; minutes)")
@click.option("--years", type=click.IntRange(1, 10), default=3, show_default=True, help="with --scale")
@click.option("--units", type=click.IntRange(1, 100_000), default=5000, show_default=True, help="with --scale")
@with_appcontext
def demo_command(if_empty: bool, scale: str | None, years: int, units: int) -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from zi_assess.demo import load_demo
    from zi_assess.extensions import db

    if scale == "national":
        import time

        from zi_assess.demo_national import load_national, vacuum

        started = time.perf_counter()
        counts = load_national(units=units, years=years, echo=click.echo)
        db.session.commit()
        if counts:
            vacuum()
        if counts:
            click.echo(f"National data set loaded in {time.perf_counter() - started:.0f} s: "
                       + ", ".join(f"{table} {n:,}" for table, n in sorted(counts.items())))
        load_demo(if_empty=True, echo=click.echo)
        return
    load_demo(if_empty=if_empty, echo=click.echo)
    db.session.commit()


#: modules that define ``commands``, a list of click commands added to ``zi-assess``
COMMAND_MODULES: tuple[str, ...] = ("zi_assess.reports.cli", "zi_assess.interop.cli", "zi_assess.audit_chain",
                                     "zi_assess.maint.cli", "zi_assess.onboarding.cli", "zi_assess.notifications.cli")


def register_commands(app: Flask) -> None:
    """Attach the app's command groups to ``app.cli`` (``flask`` and ``zi-assess`` share them)."""
    from importlib import import_module

    app.cli.add_command(users)
    app.cli.add_command(demo_command)
    for module in COMMAND_MODULES:
        for command in import_module(module).commands:
            app.cli.add_command(command)
