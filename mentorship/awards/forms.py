from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .models import CITATION_MAX


class CycleForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[
        InputRequired(_l("Please enter a number.")),
        NumberRange(min=2020, max=2100, message=_l("Between %(min)d and %(max)d.", min=2020,
                                                   max=2100))])
    nominations_open_on = DateField(_l("Nominations open on"), validators=[
        InputRequired(_l("Please give a date."))])
    nominations_close_on = DateField(_l("Nominations close on"), validators=[
        InputRequired(_l("Please give a date."))])
    voting_deadline = DateField(_l("Voting deadline"), validators=[
        InputRequired(_l("Please give a date."))])
    ceremony_at = DateTimeLocalField(_l("Ceremony (date and time)"), validators=[
        InputRequired(_l("Please give the date and time it starts."))])
    ceremony_place = StringField(_l("Ceremony place"), validators=[
        DataRequired(_l("Please give the place.")), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    shortlist_size = IntegerField(_l("Shortlist size per category"), default=3, validators=[
        InputRequired(_l("Please enter a number.")),
        NumberRange(min=1, max=10, message=_l("Between %(min)d and %(max)d.", min=1, max=10))])
    submit = SubmitField(_l("Save the cycle"))


class JuryForm(FlaskForm):
    jurors = SelectMultipleField(_l("Jurors"), widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput(), coerce=int)
    chair = SelectField(_l("Chair (breaks ties)"), coerce=int)
    submit = SubmitField(_l("Save the jury"))


class NominationForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired(_l("Please choose one."))])
    nominee = SelectField(_l("Volunteer"), validators=[
        DataRequired(_l("Please choose the volunteer you nominate."))])
    citation = TextAreaField(
        _l("What did they do?"), validators=[
            DataRequired(_l("Please tell us what they did.")),
            Length(min=50, max=CITATION_MAX, message=_l(
                "Please write between %(min)d and %(max)d characters.", min=50,
                max=CITATION_MAX))],
        description=_l("A few sentences, in your own language if you like."))
    submit = SubmitField(_l("Send my nomination"))
