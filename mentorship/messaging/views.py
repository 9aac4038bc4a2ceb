"""Write to a group: recipients, preview, send once."""

from . import bp  # noqa: F401
