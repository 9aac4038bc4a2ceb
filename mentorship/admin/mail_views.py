"""Admin: emails that could not be delivered, with \"send again\"."""

from . import bp  # noqa: F401
