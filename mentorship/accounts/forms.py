import re
from functools import cache, lru_cache
from pathlib import Path

import wtforms
from flask import current_app
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..formtools import Form, SelectField, choices
from ..i18n import current_locale, gettext, native_name, spoken_language_choices
from ..i18n import lazy_gettext as _l
from .models import (
    EMAIL_MAX,
    LEVEL_LABELS,
    LEVELS,
    NAME_MAX,
    NEWCOMER,
    PHONE_MAX,
    RESIDENT,
    SHARES_CONTACT,
    SHARES_CONTACT_LABELS,
)

PASSWORD_MIN = 10


@cache
def common_passwords():
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def not_common_password(form, field):
    if (field.data or "").strip().lower() in common_passwords():
        raise ValidationError(
            _l("This password is too common and easy to guess. Please choose another one.")
        )


def password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(
                min=PASSWORD_MIN,
                max=128,
                message=_l("Use at least %(min)d characters.", min=PASSWORD_MIN),
            ),
            not_common_password,
        ],
        description=_l("At least %(min)d characters. A short sentence is easy to remember.",
                       min=PASSWORD_MIN),
    )


def interface_language_choices():
    return choices((code, native_name(code)) for code in current_app.config["LANGUAGES"])


class RegisterForm(Form):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(_l("Please tell us your name.")),
            Length(max=NAME_MAX,
                   message=_l("Please use at most %(max)d characters.", max=NAME_MAX)),
        ],
        description=_l("As you would like to be called. Any alphabet is fine."),
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Email(_l("This does not look like an email address, for example name@example.org.")),
            Length(max=EMAIL_MAX),
        ],
    )
    password = password_field(_l("Password"))
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(_l("Please type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    locale = SelectField(_l("Language for this website and emails"))
    intent = RadioField(
        _l("What brings you here?"),
        choices=choices([
            (RESIDENT, _l("I want to volunteer")),
            (NEWCOMER, _l("I am new here and would like a buddy")),
        ]),
        validators=[DataRequired(_l("Please choose one."))],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and I agree to it"),
        validators=[DataRequired(_l("Please agree to the privacy notice: we cannot create "
                                    "an account without it."))],
        description=_l("It says what we keep about you, why, who sees it and for how long."))
    # The privacy notice version linked when the form was first shown (empty: none was
    # published). Consent is recorded for it only if it is still current at submit time.
    version = HiddenField()
    submit = SubmitField(_l("Create my account"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = interface_language_choices()

    def notice_version(self):
        """The version the form showed, or None (none, or not a number: a forged or
        missing value is never taken for a version the person read)."""
        value = (self.version.data or "").strip()
        return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


class LoginForm(Form):
    # Named "email" for password managers and older links; a sign-in name works too (the
    # people a coordinator registered without an email address have one).
    email = StringField(
        _l("Email address or sign-in name"),
        validators=[DataRequired(_l("Please enter your email address or sign-in name."))],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(Form):
    email = StringField(
        _l("Email address or sign-in name"),
        validators=[DataRequired(_l("Please enter your email address or sign-in name."))],
    )
    submit = SubmitField(_l("Send me a link"))

    def validate_email(self, field):
        if "@" in (field.data or ""):
            Email(_l("This does not look like an email address, for example "
                     "name@example.org."))(self, field)

    def is_sign_in_name(self):
        return "@" not in (self.email.data or "")


class ResetPasswordForm(Form):
    password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Please type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )
    submit = SubmitField(_l("Save my new password"))


class LanguageSkillForm(wtforms.Form):
    language = SelectField(_l("Language"))
    level = SelectField(_l("Level"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages, levels = _row_choices(str(current_locale()))
        self.language.choices, self.level.choices = list(languages), list(levels)

    def validate_level(self, field):
        if self.language.data and not field.data:
            raise ValidationError(_l("Please choose how well you speak it."))
        if field.data and not self.language.data:
            raise ValidationError(_l("Please choose the language first."))


class ProfileForm(Form):
    name = RegisterForm.name
    locale = SelectField(_l("Language for this website and emails"))
    neighbourhood = SelectField(_l("Neighbourhood"), validators=[Optional()])
    phone = StringField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            Length(max=PHONE_MAX,
                   message=_l("Please use at most %(max)d characters.", max=PHONE_MAX)),
        ],
        description=_l("Never public. A buddy sees it only once you both agree, and only "
                       "if you choose so."),
    )
    # Shown only to an account without an email address (registered by a coordinator).
    email = EmailField(
        _l("Email address (optional)"),
        validators=[
            Optional(),
            Email(_l("This does not look like an email address, for example name@example.org.")),
            Length(max=EMAIL_MAX),
        ],
        description=_l("With an email address you get messages by email and can choose a "
                       "new password yourself if you forget it."))
    optional_emails = BooleanField(_l("Send me reminders and news by email"))
    public_thanks = BooleanField(
        _l("Show my first name on the public thank-you page"),
        description=_l("Only your first name, your role and how long you have volunteered."))
    shares_contact = RadioField(
        _l("What a newcomer you are matched with sees of your contact details"),
        choices=choices((code, SHARES_CONTACT_LABELS[code]) for code in SHARES_CONTACT),
        validators=[Optional()],  # not sent: the choice stays as it was
        description=_l("Only once you have both agreed to the match. Your name is always "
                       "shown."))
    languages = FieldList(FormField(LanguageSkillForm), min_entries=1)
    add_language = SubmitField(_l("Add another language"))
    submit = SubmitField(_l("Save my profile"))

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = interface_language_choices()
        self.neighbourhood.choices = choices(neighbourhood_choices)
        # Optional, but the radios macro writes required="None" for an unset flag.
        self.shares_contact.flags.required = False

    def validate_phone(self, field):
        allowed = set("0123456789+()-. /")
        if field.data and (set(field.data) - allowed or sum(c.isdigit() for c in field.data) < 6):
            raise ValidationError(_l("Please enter a phone number, for example +33 6 12 34 56 78."))

    def validate_languages(self, field):
        unique_languages(self, field)

    def language_skills(self):
        return language_skills(self.languages)


@lru_cache(maxsize=16)
def _row_choices(locale):
    """A language row's (languages, levels) choices in ``locale``, the page's language:
    the same for every row and every page, translated once."""
    languages = choices([("", gettext("Choose a language"))] + spoken_language_choices())
    levels = choices([("", gettext("Choose a level"))]
                     + [(level, str(LEVEL_LABELS[level])) for level in LEVELS])
    return tuple(languages), tuple(levels)


def unique_languages(form, field):
    """Validator for a FieldList of LanguageSkillForm: each language once."""
    seen = set()
    for entry in field.entries:
        code = entry.form.language.data
        if code and code in seen:
            entry.form.language.errors = [
                *entry.form.language.errors,
                _l("This language is already in your list."),
            ]
            raise ValidationError(_l("Each language can be listed once."))
        seen.add(code)


def language_skills(field):
    """The (language, level) pairs filled in a FieldList of LanguageSkillForm."""
    return [
        (entry.form.language.data, entry.form.level.data)
        for entry in field.entries
        if entry.form.language.data
    ]
