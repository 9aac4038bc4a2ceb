from flask import current_app
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..formtools import Form, SelectField
from ..i18n import lazy_gettext as _l
from ..i18n import native_name
from .models import (
    CITATION_MAX,
    CITATION_MIN,
    DEFAULT_SHORTLIST_SIZE,
    FIRST_YEAR,
    LAST_YEAR,
    PLACE_MAX,
    SHORTLIST_SIZE_MAX,
    SHORTLIST_SIZE_MIN,
)


class CycleForm(Form):
    year = IntegerField(_l("Year"), validators=[
        InputRequired(_l("Please enter a number.")),
        NumberRange(min=FIRST_YEAR, max=LAST_YEAR, message=_l(
            "Between %(min)d and %(max)d.", min=FIRST_YEAR, max=LAST_YEAR))])
    nominations_open_on = DateField(_l("Nominations open on"), validators=[
        InputRequired(_l("Please give a date."))])
    nominations_close_on = DateField(_l("Nominations close on"), validators=[
        InputRequired(_l("Please give a date."))])
    voting_deadline = DateField(_l("Voting deadline"), validators=[
        InputRequired(_l("Please give a date."))])
    ceremony_at = DateTimeLocalField(_l("Ceremony (date and time)"), validators=[
        InputRequired(_l("Please give the date and time it starts."))])
    ceremony_place = StringField(_l("Ceremony place"), validators=[
        DataRequired(_l("Please give the place.")), Length(max=PLACE_MAX)])
    shortlist_size = IntegerField(
        _l("Shortlist size per category"), default=DEFAULT_SHORTLIST_SIZE, validators=[
            InputRequired(_l("Please enter a number.")),
            NumberRange(min=SHORTLIST_SIZE_MIN, max=SHORTLIST_SIZE_MAX, message=_l(
                "Between %(min)d and %(max)d.", min=SHORTLIST_SIZE_MIN,
                max=SHORTLIST_SIZE_MAX))])
    submit = SubmitField(_l("Save the cycle"))


def cycle_form(*args, **kwargs):
    """The cycle form, with a description field for each interface language."""

    class LocalisedCycleForm(CycleForm):
        def descriptions(self):
            return {code: self[f"description_{code}"].data.strip()
                    for code in current_app.config["LANGUAGES"]
                    if (self[f"description_{code}"].data or "").strip()}

    for code in current_app.config["LANGUAGES"]:
        setattr(LocalisedCycleForm, f"description_{code}", TextAreaField(
            _l("Description (%(language)s)", language=native_name(code)),
            validators=[Length(max=4000)]))
    return LocalisedCycleForm(*args, **kwargs)


class JuryForm(Form):
    jurors = SelectMultipleField(_l("Jurors"), widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput(), coerce=int)
    chair = SelectField(_l("Chair (breaks ties)"), coerce=int)
    submit = SubmitField(_l("Save the jury"))


class NominationForm(Form):
    category = SelectField(_l("Category"), validators=[
        DataRequired(_l("Please choose one."))])
    nominee = SelectField(_l("Volunteer"), validators=[
        DataRequired(_l("Please choose the volunteer you nominate."))])
    citation = TextAreaField(
        _l("What did they do?"), validators=[
            DataRequired(_l("Please tell us what they did.")),
            Length(min=CITATION_MIN, max=CITATION_MAX, message=_l(
                "Please write between %(min)d and %(max)d characters.", min=CITATION_MIN,
                max=CITATION_MAX))],
        description=_l("A few sentences, at least %(min)d characters, in your own language "
                       "if you like.", min=CITATION_MIN))
    submit = SubmitField(_l("Send my nomination"))


class ReviewForm(Form):
    """A coordinator approves a citation for the public page, as written or edited."""

    public_citation = TextAreaField(
        _l("Text for the public page"), validators=[
            DataRequired(_l("Please give the text to publish.")),
            Length(max=CITATION_MAX, message=_l("At most %(max)d characters.",
                                                max=CITATION_MAX))],
        description=_l("Approve it as written, or edit it first: leave out anything "
                       "private (health, papers, addresses, other people's names)."))
