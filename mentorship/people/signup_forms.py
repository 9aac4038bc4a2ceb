"""Forms of assisted sign-up: registering a newcomer, claiming an invitation, a buddy
request made by a coordinator."""

from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..accounts.forms import ProfileForm, RegisterForm, interface_language_choices, password_field
from ..accounts.models import EMAIL_MAX, PHONE_MAX
from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from ..matching.forms import BuddyRequestForm
from ..matching.models import HELP_LABELS
from ..volunteering.models import ROLE_CODES
from .invitations import normalise_code

OPTIONAL_EMAIL = EmailField(
    _l("Email address (optional)"),
    validators=[
        Optional(),
        Email(_l("This does not look like an email address, for example name@example.org.")),
        Length(max=EMAIL_MAX),
    ],
)


class NewPersonForm(Form):
    name = StringField(
        _l("Name"),
        validators=RegisterForm.name.kwargs["validators"],
        description=_l("As the person would like to be called. Any alphabet is fine."))
    locale = SelectField(
        _l("Language of the invitation, the website and messages"),
        description=_l("The invitation is printed in this language."))
    email = OPTIONAL_EMAIL
    phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Length(max=PHONE_MAX, message=_l(
            "Please use at most %(max)d characters.", max=PHONE_MAX))],
        description=_l("Without email, the programme calls this number when something "
                       "needs the person's answer."))
    neighbourhood = SelectField(_l("Neighbourhood (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Register and print the invitation"))

    validate_phone = ProfileForm.validate_phone

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = interface_language_choices()
        self.neighbourhood.choices = choices(neighbourhood_choices)


class EnterCodeForm(Form):
    """The code typed from the printed invitation (a GET form: no token needed)."""

    class Meta:
        csrf = False

    code = StringField(_l("Invitation code"), validators=[
        DataRequired(_l("Please type the code printed on your invitation."))],
        description=_l("10 letters and digits, for example K7QM-4T9P-XW. Small or capital "
                       "letters, with or without dashes."))
    submit = SubmitField(_l("Continue"))

    def validate_code(self, field):
        if normalise_code(field.data) is None:
            raise ValidationError(_l("This is not a complete code: it has 10 letters and "
                                     "digits, for example K7QM-4T9P-XW."))


class ClaimForm(Form):
    password = password_field(_l("Choose a password"))
    confirm = PasswordField(_l("Password again"), validators=[
        DataRequired(_l("Please type the password again.")),
        EqualTo("password", _l("The two passwords are not the same."))])
    email = OPTIONAL_EMAIL
    consent = RegisterForm.consent
    version = HiddenField()
    submit = SubmitField(_l("Save and open my account"))

    notice_version = RegisterForm.notice_version


class RequestForForm(BuddyRequestForm):
    """A buddy request a coordinator fills in with (or for) a newcomer."""

    kind = RadioField(_l("What kind of help?"),
                      validators=[DataRequired(_l("Please choose one."))])
    submit = SubmitField(_l("Create the buddy request"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((code, HELP_LABELS[code]) for code in ROLE_CODES)

    def validate_target_language(self, field):
        self.role = self.kind.data
        super().validate_target_language(field)

