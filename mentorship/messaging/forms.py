import secrets
from functools import cache

from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..formtools import Form, SelectField, choices
from ..i18n import gettext as _
from ..i18n import language_name
from ..i18n import lazy_gettext as _l
from ..volunteering.models import ROLE_CODES, ROLE_NAMES
from .models import BODY_MAX, GROUP_LABELS, GROUPS, KIND_LABELS, KINDS, OPERATIONAL, SUBJECT_MAX
from .services import moment_text


def new_token():
    return secrets.token_urlsafe(16)


class ComposeForm(Form):
    """A message to a group. The subject and body fields of each language are added by
    ``compose_form`` (``subject_<code>``, ``body_<code>``)."""

    token = HiddenField()
    group = SelectField(_l("Who is it for?"))
    session_id = SelectField(_l("Training session"),
                             description=_l("For the two training session groups."))
    role = SelectField(_l("Role"), description=_l("For volunteers and newcomers waiting."))
    neighbourhood_id = SelectField(_l("Neighbourhood"),
                                   description=_l("For volunteers and newcomers waiting."))
    # Chosen on the person's page or the match's page (links carry the id).
    match_id = HiddenField()
    person_id = HiddenField()
    kind = RadioField(_l("What kind of message is it?"), default=OPERATIONAL,
                      choices=choices((kind, KIND_LABELS[kind]) for kind in KINDS))
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def __init__(self, *args, locales, sessions=(), neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locales = locales
        self.group.choices = choices([("", _l("Choose a group"))] + [
            (group, GROUP_LABELS[group]) for group in GROUPS])
        self.session_id.choices = choices([("", _l("Choose a session"))] + [
            (str(row.id), _("%(title)s, %(when)s", title=row.title,
                            when=moment_text(row.starts_at))) for row in sessions])
        self.role.choices = choices([("", _l("Any role"))] + [
            (code, ROLE_NAMES[code]) for code in ROLE_CODES])
        self.neighbourhood_id.choices = choices([("", _l("Any neighbourhood"))] + [
            (str(place.id), place.name) for place in neighbourhoods])
        for code in locales:
            self[f"subject_{code}"].label.text = _("Subject in %(language)s",
                                                   language=language_name(code))
            self[f"body_{code}"].label.text = _("Message in %(language)s",
                                                language=language_name(code))
        if not self.token.data:
            self.token.data = new_token()

    def texts(self):
        """{code: (subject, body)} as typed."""
        return {code: (self[f"subject_{code}"].data, self[f"body_{code}"].data)
                for code in self.locales}

    def language_fields(self):
        """(code, subject field, body field) for each language, the programme's first."""
        return [(code, self[f"subject_{code}"], self[f"body_{code}"]) for code in self.locales]


def compose_form(*args, locales, **kwargs):
    """A ComposeForm with a subject and a body for each of ``locales``."""
    return _localised_form_class(tuple(locales))(*args, locales=locales, **kwargs)


@cache
def _localised_form_class(locales):
    """The form class for these languages, made once (WTForms sorts a new class's fields
    on its first use: every request did it again)."""

    class LocalisedComposeForm(ComposeForm):
        pass

    for code in locales:
        setattr(LocalisedComposeForm, f"subject_{code}", StringField(validators=[
            Length(max=SUBJECT_MAX, message=_l("Please keep it under %(max)d characters.",
                                               max=SUBJECT_MAX))]))
        setattr(LocalisedComposeForm, f"body_{code}", TextAreaField(validators=[
            Length(max=BODY_MAX, message=_l("Please keep it under %(max)d characters.",
                                            max=BODY_MAX))]))
    return LocalisedComposeForm
