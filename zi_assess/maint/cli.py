"""``zi-assess maint sweep`` and ``zi-assess storage verify``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

maint_group = click.Group("maint", help="Maintenance (run `maint sweep` hourly: systemd timer or compose service).")
storage_group = click.Group("storage", help="The file store (evidence, reports, exports, imports).")


@maint_group.command("sweep")
@click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")
@with_appcontext
def sweep_command(dry_run: bool) -> None:
    """Fail stuck exports, purge old exports and imports, remove temporaries and unreferenced files."""
    from zi_assess.maint.sweep import sweep

    for line in sweep(dry_run=dry_run).lines():
        click.echo(line)


@storage_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check that every evidence file and stored report is in the store, unaltered (exit 1 if not)."""
    from zi_assess.maint.verify import count, problems

    found = list(problems())
    for line in found:
        click.echo(line)
    total = count()
    if found:
        click.echo(f"storage verify: {len(found)} of {total} objects missing or altered", err=True)
        raise SystemExit(1)
    click.echo(f"storage verify: {total} objects present and intact")


commands = [maint_group, storage_group]
