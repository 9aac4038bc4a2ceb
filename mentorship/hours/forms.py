import secrets
from datetime import date
from functools import lru_cache

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..dates import add_months
from ..formatting import format_month
from ..formtools import Form, SelectField, choices
from ..i18n import current_locale
from ..i18n import lazy_gettext as _l
from ..volunteering.models import ROLE_CODES, ROLE_NAMES
from .models import ACTIVITIES, ACTIVITY_LABELS, MAX_ENTRY_HOURS

NOTE_MAX = REASON_MAX = 1000
QUEUE_MONTHS = 36


def new_token():
    return secrets.token_urlsafe(16)


class HourForm(Form):
    # The service checks the length of an entry as a whole ("duration"); the page shows
    # that message with the hours, the first of the two inputs.
    ERROR_FIELDS = {"duration": "hours"}

    token = HiddenField()
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please give the date."))])
    # NumberRange also gives the input its min and max attributes.
    hours = IntegerField(_l("Hours"), default=1, validators=[
        InputRequired(_l("Please enter a number (0 if less than an hour).")),
        NumberRange(min=0, max=MAX_ENTRY_HOURS, message=_l(
            "Between %(min)d and %(max)d.", min=0, max=MAX_ENTRY_HOURS))])
    minutes = IntegerField(_l("Minutes"), default=0, validators=[
        InputRequired(_l("Please enter a number (0 if none).")),
        NumberRange(min=0, max=59, message=_l("Between %(min)d and %(max)d.", min=0,
                                               max=59))])
    activity = SelectField(_l("What did you do?"))
    match = SelectField(_l("With which newcomer?"), validators=[Optional()])
    note = TextAreaField(_l("Note (optional)"), validators=[
        Length(max=NOTE_MAX, message=_l("Please keep it under %(max)d characters.",
                                        max=NOTE_MAX))])
    confirm_duplicate = BooleanField(_l("Yes, this is another meeting"))
    submit = SubmitField(_l("Save these hours"))

    def __init__(self, *args, matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.activity.choices = choices((a, ACTIVITY_LABELS[a]) for a in ACTIVITIES)
        self.match.choices = choices([("", _l("None"))] + [
            (str(m.id), m.newcomer.first_name) for m in matches])
        if not self.token.data:
            self.token.data = new_token()
        # Set when the service asks "is this another meeting?": the page then shows the
        # confirmation box.
        self.near_duplicate = False

    def __contains__(self, name):
        return super().__contains__(self.ERROR_FIELDS.get(name, name))

    def __getitem__(self, name):
        return super().__getitem__(self.ERROR_FIELDS.get(name, name))

    @property
    def duration(self):
        if self.hours.data is None or self.minutes.data is None:
            return None
        return self.hours.data * 60 + self.minutes.data


class BulkDecisionForm(Form):
    """The queue's decision on the selected entries (the entries are the table's boxes)."""

    reason = TextAreaField(_l("Reason (needed to reject; the volunteer sees it)"), validators=[
        Length(max=REASON_MAX, message=_l("Please keep it under %(max)d characters.",
                                          max=REASON_MAX))])


# WTForms' own words for a value not offered, translated by its catalogue (the field's
# gettext), as WTForms' SelectField says it.
WTFORMS_NOT_A_CHOICE = "Not a valid choice."


class FilterSelectField(SelectField):
    """A list filter's choice: none chosen (the usual case) is valid at once; a value
    that is not offered is refused, and ``filter_values`` ignores it."""

    def pre_validate(self, form):
        if self.data in (None, "") or self.process_errors:
            return
        if not any(choice.value == self.data for choice in self.choices):
            raise ValidationError(self.gettext(WTFORMS_NOT_A_CHOICE))


@lru_cache(maxsize=32)
def _queue_months(first, locale):
    """The month the time was given in: the QUEUE_MONTHS months up to ``first``, newest
    first, named in ``locale`` (the page's: ``format_month`` reads it). The same all month
    long, so written once per month and language."""
    return tuple(SelectChoice(m.strftime("%Y-%m"), format_month(m))
                 for m in (add_months(first, -n) for n in range(QUEUE_MONTHS)))


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    volunteer = StringField(_l("Volunteer"))
    role = FilterSelectField(_l("Role"))
    neighbourhood = FilterSelectField(_l("Neighbourhood"))
    month = FilterSelectField(_l("Month"))
    activity = FilterSelectField(_l("Activity"))
    age = FilterSelectField(_l("Waiting"))

    def __init__(self, *args, neighbourhood_choices=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))] + [
            (c, ROLE_NAMES[c]) for c in ROLE_CODES])
        self.neighbourhood.choices = choices(
            [("", _l("Any neighbourhood"))] + list(neighbourhood_choices))
        self.month.choices = [SelectChoice("", _l("Any month")), *_queue_months(
            (today or date.today()).replace(day=1), str(current_locale()))]
        self.activity.choices = choices([("", _l("All activities"))] + [
            (a, ACTIVITY_LABELS[a]) for a in ACTIVITIES])
        self.age.choices = choices([("", _l("Any time")), ("7", _l("7 days or more")),
                                    ("14", _l("14 days or more"))])


class ExportForm(Form):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until"), validators=[Optional()])
