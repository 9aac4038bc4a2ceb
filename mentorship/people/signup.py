"""Assisted sign-up: a coordinator registers a newcomer and prints an invitation."""

from . import bp  # noqa: F401
