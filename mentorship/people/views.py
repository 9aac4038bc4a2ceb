"""The coordinator's people search and one person's whole picture."""

from . import bp  # noqa: F401
