"""`flask privacy …`: the scheduled clean-up of personal data."""

from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data: erasure and purge.")
