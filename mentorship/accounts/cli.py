import secrets

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (defaults to the part before @).")
@click.option(
    "--password",
    default=None,
    help="Password; without it one is generated and printed once.",
)
def create_admin(email, name, password):
    """Create the first administrator (or make an existing account an administrator)."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    user, created = services.create_admin(email, name, password)
    db.session.commit()
    click.echo(f"Administrator: {user.email}")
    if created and generated:
        click.echo(f"Password (shown once, change it after logging in): {password}")
