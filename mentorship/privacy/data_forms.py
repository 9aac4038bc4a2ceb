"""Forms of "Delete my account" and of the coordinators' confirmation of an erasure."""

from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired

from ..formtools import Form
from ..i18n import lazy_gettext as _l


class ErasureRequestForm(Form):
    """The person asks for their account to be erased: their password says it is them."""

    password = PasswordField(
        _l("Your password"),
        description=_l("So that nobody else can do this from a computer you left logged in."),
        validators=[DataRequired(_l("Please enter your password."))])
    understood = BooleanField(
        _l("I understand that my name, contact details and notes will be erased for good, "
           "and that I will not be able to log in any more."),
        validators=[DataRequired(_l("Please tick this box to confirm."))])
    submit = SubmitField(_l("Ask for my account to be erased"))


class CancelErasureForm(Form):
    submit = SubmitField(_l("Cancel my request and keep my account"))


class ConfirmErasureForm(Form):
    """A coordinator confirms a waiting request (it cannot be undone)."""

    understood = BooleanField(
        _l("I checked that this request comes from this person, and I understand that "
           "the erasure cannot be undone."),
        validators=[DataRequired(_l("Please tick this box to confirm."))])
    submit = SubmitField(_l("Erase this account now"))
