"""The weekly availability grid (days × morning/afternoon/evening), shared by
volunteers' applications and newcomers' buddy requests."""

from wtforms import SelectMultipleField, ValidationError, widgets

from .formtools import choices
from .i18n import lazy_gettext as _l

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
SLOTS = tuple(f"{day}-{part}" for day in DAYS for part in PARTS)
DAY_LABELS = {
    "mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
    "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday"),
}  # fmt: skip
PART_LABELS = {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening")}


def slot_label(slot):
    day, part = slot.split("-")
    return _l("%(day)s %(part)s", day=DAY_LABELS[day], part=PART_LABELS[part].lower())


class AvailabilityField(SelectMultipleField):
    """Checkboxes for the 21 weekly slots; the template lays them out as a grid."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choices = choices((slot, slot_label(slot)) for slot in SLOTS)

    def pre_validate(self, form):
        unknown = set(self.data or ()) - set(SLOTS)
        if unknown:
            raise ValidationError(_l("Please choose times from the grid."))


def at_least_one_slot(form, field):
    if not field.data:
        raise ValidationError(_l("Please tick at least one time when you are free."))

