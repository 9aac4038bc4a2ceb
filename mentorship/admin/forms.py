from zoneinfo import available_timezones

from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..accounts.forms import interface_language_choices
from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from .services import REASON_MAX


class SettingsForm(Form):
    name = StringField(
        _l("Programme name"),
        validators=[DataRequired(_l("Please give the programme a name.")), Length(max=120)],
    )
    contact_email = EmailField(
        _l("Contact email"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Email(_l("This does not look like an email address, for example name@example.org.")),
        ],
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(_l("Please enter a time zone, for example Europe/Paris."))],
        description=_l("For example Europe/Paris or Europe/Berlin."),
    )
    default_locale = SelectField(_l("Default language"))
    neighbourhoods = TextAreaField(
        _l("Neighbourhoods"),
        description=_l("One per line, in the order forms should offer them."),
        validators=[DataRequired(_l("Please list at least one neighbourhood."))],
    )
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_locale.choices = interface_language_choices()

    def validate_timezone(self, field):
        if field.data.strip() not in available_timezones():
            raise ValidationError(_l("Unknown time zone. Use a name such as Europe/Paris."))


# The people list's account filter: value, label.
ACCOUNT_STATES = (
    ("", _l("All accounts")),
    ("enabled", _l("Enabled")),
    ("disabled", _l("Disabled")),
    ("erased", _l("Erased")),
)


class PeopleSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or email"))
    role = SelectField(_l("Role"))
    state = SelectField(_l("Account"), choices=choices(ACCOUNT_STATES), validate_choice=False)
    submit = SubmitField(_l("Search"))


class DisableForm(Form):
    """Why an administrator disables an account (one per person on the people page:
    built with ``prefix=f"person-{id}"`` so every row's field has its own id)."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Kept with the account and in the audit log."),
        validators=[DataRequired(_l("Please give the reason for disabling this account.")),
                    Length(max=REASON_MAX, message=_l(
                        "Please keep the reason under %(max)d characters."))],
    )
    submit = SubmitField(_l("Disable account"))
