import click
from flask.cli import AppGroup

from ..dates import programme_today
from ..extensions import db
from . import services

commitments_cli = AppGroup("commitments", help="Follow volunteers' commitments.")


@commitments_cli.command("sweep")
def sweep():
    """Mark as completed the commitments whose minimum months are served (safe to run often)."""
    count = services.sweep_commitments(programme_today())
    db.session.commit()
    click.echo(f"{count} commitment(s) completed.")
