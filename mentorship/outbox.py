"""The outbox: every email waits in a table until `flask mail deliver` sends it."""

from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Deliver the emails waiting in the outbox.")
