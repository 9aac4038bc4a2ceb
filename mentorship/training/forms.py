from wtforms import (
    DateTimeLocalField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from ..volunteering.models import ROLE_CODES, ROLE_NAMES
from .models import (
    KIND_LABELS,
    KINDS,
    LINK_LENGTH,
    MAX_MODULE_MINUTES,
    MAX_PASS_MARK,
    MAX_SEATS,
    MIN_MODULE_MINUTES,
    MIN_PASS_MARK,
    MIN_SEATS,
    OPTIONAL,
    PLACE_LENGTH,
    REQUIRED,
    TITLE_LENGTH,
)
from .services.certification import REVOKED, VALID

REQUIREMENT_CHOICES = (("", _l("Not for this role")), (REQUIRED, _l("Required")),
                       (OPTIONAL, _l("Optional")))


def between(low, high):
    """A number range whose message states the limits it checks."""
    return NumberRange(min=low, max=high,
                       message=_l("Between %(min)d and %(max)d.", min=low, max=high))


class ModuleForm(Form):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Please give the module a title.")), Length(max=TITLE_LENGTH)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=1000)],
                            description=_l("One or two sentences shown in lists."))
    content = TextAreaField(
        _l("Content"), validators=[Length(max=50_000)],
        description=_l("Written in Markdown: # for a heading, * for a list, [text](link) "
                       "for a link."))
    kind = SelectField(_l("How it is taken"))
    duration_minutes = IntegerField(_l("Expected duration (minutes)"), validators=[
        InputRequired(_l("Please enter a number of minutes.")),
        between(MIN_MODULE_MINUTES, MAX_MODULE_MINUTES)])
    quiz_source = TextAreaField(
        _l("Quiz (online modules)"), validators=[Length(max=20_000)],
        description=_l("One question per line starting with ?, then its answers: * for the "
                       "right one, - for the others."))
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[
        InputRequired(_l("Please enter a number.")), between(MIN_PASS_MARK, MAX_PASS_MARK)])
    role_mentor = SelectField(ROLE_NAMES["mentor"])
    role_language_buddy = SelectField(ROLE_NAMES["language_buddy"])
    role_housing_helper = SelectField(ROLE_NAMES["housing_helper"])
    submit = SubmitField(_l("Save the module"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((kind, KIND_LABELS[kind]) for kind in KINDS)
        for code in ROLE_CODES:
            self[f"role_{code}"].choices = choices(REQUIREMENT_CHOICES)

    def requirements(self):
        return {code: self[f"role_{code}"].data for code in ROLE_CODES}


class SessionForm(Form):
    starts_at = DateTimeLocalField(_l("Starts"), validators=[
        InputRequired(_l("Please give the date and time it starts."))])
    ends_at = DateTimeLocalField(_l("Ends"), validators=[
        InputRequired(_l("Please give the date and time it ends."))])
    place = StringField(_l("Place"), validators=[Length(max=PLACE_LENGTH)],
                        description=_l("Address and room, for sessions in person."))
    video_link = URLField(_l("Video link"), validators=[
        Optional(), URL(message=_l("Please enter a full link starting with https://.")),
        Length(max=LINK_LENGTH)])
    capacity = IntegerField(_l("Seats"), validators=[
        InputRequired(_l("Please enter a number.")), between(MIN_SEATS, MAX_SEATS)])
    submit = SubmitField(_l("Save the session"))


class RevokeForm(Form):
    reason = TextAreaField(_l("Why is it revoked?"), validators=[
        DataRequired(_l("Please give the reason.")), Length(max=2000)])
    submit = SubmitField(_l("Revoke the certificate"))


class CertificateFilterForm(Form):
    """The certificates list's search (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, email or phone"))
    role = SelectField(_l("Role"))
    state = SelectField(_l("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))]
                                    + [(code, ROLE_NAMES[code]) for code in ROLE_CODES])
        self.state.choices = choices([("", _l("Valid or revoked")), (VALID, _l("Valid")),
                                      (REVOKED, _l("Revoked"))])
