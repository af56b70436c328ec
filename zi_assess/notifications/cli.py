"""``zi-assess notify due``: deadline reminders (run daily by a timer or cron)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

notify_group = click.Group("notify", help="Notifications.")


@notify_group.command("due")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="judge deadlines on this date (default: today in ZI_TIMEZONE)")
@with_appcontext
def due_command(today: object) -> None:
    """Send the deadline reminders due today (each once, however often this runs)."""
    from zi_assess.clock import local_date
    from zi_assess.extensions import db
    from zi_assess.mail import wait_for_background_mail
    from zi_assess.notifications.reminders import send_due

    day: date = today.date() if today is not None else local_date()  # type: ignore[attr-defined]
    count = send_due(day)
    db.session.commit()
    wait_for_background_mail()
    click.echo(f"{count} reminders sent for {day.isoformat()}")


commands = [notify_group]
