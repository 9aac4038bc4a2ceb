from flask import current_app
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from ..i18n import native_name
from ..volunteering.models import ROLE_CODES, ROLE_NAMES
from .models import PASS_FILTER_STATES, PASS_STATE_LABELS, VENUE_KIND_LABELS, VENUE_KINDS

# The bounds of a perk's numbers (the form's only check on them).
MAX_STOCK = 100_000
MAX_PER_VOLUNTEER = 20
MAX_MIN_HOURS = 10_000
MAX_MIN_MONTHS = 120


def between(low, high):
    """A number from ``low`` to ``high``, with a message that says so."""
    return NumberRange(min=low, max=high,
                       message=_l("Between %(min)d and %(max)d.", min=low, max=high))


class PartnerForm(Form):
    name = StringField(_l("Venue name"), validators=[
        DataRequired(_l("Please give the venue's name.")), Length(max=200)])
    kind = SelectField(_l("Kind of venue"))
    address = StringField(_l("Address"), validators=[Length(max=300)])
    website = URLField(_l("Website"), validators=[
        Optional(), URL(message=_l("Please enter a full link starting with https://.")),
        Length(max=300)])
    submit = SubmitField(_l("Save the venue"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((k, VENUE_KIND_LABELS[k]) for k in VENUE_KINDS)


class StaffForm(Form):
    email = EmailField(_l("Email of the staff member's account"), validators=[
        DataRequired(_l("Please enter your email address."))])
    submit = SubmitField(_l("Add to this venue"))


def perk_form_class():
    """The perk form, with a title and a description field per interface language."""

    class PerkForm(Form):
        partner = SelectField(_l("Venue"), validators=[DataRequired(_l("Please choose a venue."))])
        kind = SelectField(_l("Kind"))
        stock = IntegerField(_l("Passes in total"), validators=[
            InputRequired(_l("Please enter a number.")),
            between(0, MAX_STOCK)])
        per_volunteer = IntegerField(_l("Passes per volunteer"), default=1, validators=[
            InputRequired(_l("Please enter a number.")),
            between(1, MAX_PER_VOLUNTEER)])
        valid_from = DateField(_l("Valid from"), validators=[
            InputRequired(_l("Please give a date."))])
        valid_until = DateField(_l("Valid until"), validators=[
            InputRequired(_l("Please give a date."))])
        min_hours = IntegerField(_l("Minimum approved hours"), default=0, validators=[
            InputRequired(_l("Please enter a number (0 for none).")),
            between(0, MAX_MIN_HOURS)])
        min_months = IntegerField(_l("Minimum months served"), default=0, validators=[
            InputRequired(_l("Please enter a number (0 for none).")),
            between(0, MAX_MIN_MONTHS)])
        certificate_required = BooleanField(_l("A training certificate is needed"))
        roles = SelectMultipleField(_l("For which roles? (none ticked: every role)"),
                                    widget=widgets.ListWidget(prefix_label=False),
                                    option_widget=widgets.CheckboxInput())
        submit = SubmitField(_l("Save the perk"))

        def __init__(self, *args, partners=(), **kwargs):
            super().__init__(*args, **kwargs)
            self.partner.choices = choices([("", _l("Choose a venue"))]
                                           + [(str(p.id), p.name) for p in partners])
            self.kind.choices = choices((k, VENUE_KIND_LABELS[k]) for k in VENUE_KINDS)
            self.roles.choices = choices((c, ROLE_NAMES[c]) for c in ROLE_CODES)

        def texts(self, name):
            return {code: self[f"{name}_{code}"].data.strip()
                    for code in current_app.config["LANGUAGES"]
                    if self[f"{name}_{code}"].data and self[f"{name}_{code}"].data.strip()}

        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            if not self.texts("title"):
                first = self[f"title_{current_app.config['LANGUAGES'][0]}"]
                first.errors = [*first.errors, _l("Please give a title in at least one "
                                                  "language.")]
                return False
            return valid

    for code in current_app.config["LANGUAGES"]:
        setattr(PerkForm, f"title_{code}", StringField(
            _l("Title (%(language)s)", language=native_name(code)), validators=[
                Length(max=200)]))
        setattr(PerkForm, f"description_{code}", TextAreaField(
            _l("Description (%(language)s)", language=native_name(code)), validators=[
                Length(max=2000)]))
    return PerkForm


class CheckPassForm(Form):
    class Meta:
        csrf = False

    code = StringField(_l("Pass code"), validators=[DataRequired(_l("Please type the code."))],
                       description=_l("As printed under the QR code, for example ABCDE-FGHJK."))
    submit = SubmitField(_l("Check"))


class RevokePassForm(Form):
    reason = TextAreaField(_l("Why is it revoked? (the volunteer sees it)"), validators=[
        DataRequired(_l("Please give the reason: the volunteer will see it.")),
        Length(max=1000)])
    # Ticked when the page opens: an unused pass goes back to the perk's stock unless the
    # coordinator unticks it (a misused pass whose place should not be offered again).
    return_to_stock = BooleanField(_l("Return this pass to the stock"), default=True,
                                   description=_l("Another volunteer can then claim it."))
    submit = SubmitField(_l("Revoke the pass"))


class PassFilterForm(Form):
    """The coordinator's passes list: search and filters (a GET form)."""

    class Meta:
        csrf = False

    volunteer = StringField(_l("Volunteer (name, email or phone)"), validators=[
        Length(max=200)])
    perk = SelectField(_l("Perk"))
    state = SelectField(_l("State"))

    def __init__(self, *args, perks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.perk.choices = choices([("", _l("All perks"))] + [
            (str(perk_id), title) for perk_id, title in perks])
        self.state.choices = choices([("", _l("Any state"))] + [
            (state, PASS_STATE_LABELS[state]) for state in PASS_FILTER_STATES])
