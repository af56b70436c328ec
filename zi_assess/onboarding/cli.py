"""``zi-assess org import FILE.xlsx|FILE.csv [--dry-run]``: the onboarding table from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("org", help="Organisation: bulk onboarding of instansi, units and accounts.")
def org_group() -> None:
    pass


@org_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="only print the report; write nothing")
@click.option("--base-url", default=None,
              help="the address of zi-assess for invitation links, e.g. https://zi.example.go.id "
                   "(default: SERVER_NAME, i.e. ZI_SERVER_NAME)")
@with_appcontext
def import_command(path: str, dry_run: bool, base_url: str | None) -> None:
    """Check the file row by row and print the report; without --dry-run import it all or nothing
    (exit 2 when refused) and e-mail the invitations of new accounts."""
    from pathlib import Path

    from zi_assess.audit import system_actor
    from zi_assess.extensions import db
    from zi_assess.onboarding.operations import apply_plan
    from zi_assess.onboarding.reading import NotReadable, build_plan, read_table
    from zi_assess.onboarding.views import not_readable_message
    from zi_assess.org.invitations import mail_invitation

    data = Path(path).read_bytes()
    with current_app.test_request_context(base_url=base_url or _base_url()):
        try:
            plan = build_plan(read_table(data, path), Path(path).name)
        except NotReadable as exc:
            raise click.ClickException(not_readable_message(exc.code)) from None
        for finding in plan.findings:
            click.echo(f"{'GALAT' if finding.severity == 'error' else 'PERINGATAN'} baris {finding.row}: "
                       f"{finding.message}")
        counts = plan.counts()
        click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
        if not plan.ok:
            click.echo(f"{len(plan.errors)} baris bermasalah; tidak ada yang disimpan.", err=True)
            raise SystemExit(2)
        if dry_run or not plan.changes:
            click.echo("Tidak ada yang disimpan (--dry-run)." if dry_run else "Tidak ada perubahan.")
            return
        invitations = apply_plan(system_actor("cli"), plan)
        db.session.commit()
        for user, token in invitations:
            if not mail_invitation(user, token):
                click.echo(f"Undangan tidak terkirim ke {user.email}; kirim ulang dari halaman akunnya.", err=True)
        click.echo(f"Diimpor: {plan.filename}")


def _base_url() -> str:
    name = current_app.config.get("SERVER_NAME")
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{name}" if name else "http://localhost"


commands = [org_group]
