"""The privacy notice (/privacy), agreeing to it, and editing it (admins)."""

from . import bp  # noqa: F401
