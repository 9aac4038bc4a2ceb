"""Small helpers shared by the forms of every area."""

from wtforms import SelectChoice


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]
