from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, ValidationError

from ..accounts.forms import LanguageSkillForm, language_skills, unique_languages
from ..availability import AvailabilityField, at_least_one_slot
from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext, spoken_language_choices
from ..volunteering.models import ROLE_CODES, ROLE_NAMES
from .models import (
    CLOSE_REASON_LABELS,
    CLOSE_REASONS,
    CONTACT_LABELS,
    CONTACTS,
    DECLINE_REASON_LABELS,
    DECLINE_REASONS,
    MATCH_END_REASON_LABELS,
    MATCH_END_REASONS,
    MATCH_OUTCOMES,
    MATCH_STATE_LABELS,
    NEED_LABELS,
    NEEDS,
    NEWCOMER_CLOSE_REASONS,
    WAITING_LONG_DAYS,
)

NOTE_MAX = 2000


class BuddyRequestForm(Form):
    languages = FieldList(FormField(LanguageSkillForm), min_entries=1)
    add_language = SubmitField(_l("Add another language"))
    target_language = SelectField(_l("Which language do you want to practise?"))
    needs = SelectMultipleField(_l("What do you need help with?"),
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    note = TextAreaField(_l("Anything else we should know? (optional)"), validators=[
        Length(max=NOTE_MAX, message=_l("Please keep it under %(max)d characters.",
                                        max=NOTE_MAX))])
    neighbourhood = SelectField(_l("Where do you live?"), validators=[
        DataRequired(_l("Please choose a neighbourhood."))])
    availability = AvailabilityField(_l("When are you free?"), validators=[at_least_one_slot])
    preferred_contact = RadioField(_l("How should we contact you?"), validators=[
        DataRequired(_l("Please choose how we should contact you."))])
    submit = SubmitField(_l("Ask for a buddy"))

    def __init__(self, *args, role=None, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.target_language.choices = choices(
            [("", _l("Choose a language"))] + spoken_language_choices())
        self.needs.choices = choices((need, NEED_LABELS[need]) for need in NEEDS)
        self.neighbourhood.choices = choices(neighbourhood_choices)
        self.preferred_contact.choices = choices((c, CONTACT_LABELS[c]) for c in CONTACTS)

    def validate_languages(self, field):
        unique_languages(self, field)
        if not language_skills(field):
            raise ValidationError(_l("Please tell us at least one language you speak."))

    def validate_target_language(self, field):
        if self.role == "language_buddy" and not field.data:
            raise ValidationError(_l("Please choose the language you want to practise."))

    def validate_needs(self, field):
        if not field.data:
            raise ValidationError(_l("Please tick at least one thing."))

    def language_skills(self):
        return language_skills(self.languages)


class ProposeForm(Form):
    commitment_id = HiddenField(validators=[DataRequired(_l("Please choose a volunteer."))])
    note = TextAreaField(_l("Note for the team (why this volunteer?)"), validators=[
        Length(max=NOTE_MAX, message=_l("Please keep it under %(max)d characters.",
                                        max=NOTE_MAX))])
    submit = SubmitField(_l("Propose this volunteer"))


class DeclineForm(Form):
    reason = SelectField(_l("Why?"), validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(_l("A few words (optional)"), validators=[Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Decline"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = choices([("", _l("Choose a reason"))] + [
            (r, DECLINE_REASON_LABELS[r]) for r in DECLINE_REASONS])


class EndMatchForm(Form):
    outcome = RadioField(_l("How does it end?"), validators=[
        DataRequired(_l("Please choose one."))])
    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=NOTE_MAX)])
    reopen = BooleanField(_l("The newcomer would like another buddy: put the request back "
                             "on the board"))
    submit = SubmitField(_l("End the match"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = choices((outcome, MATCH_STATE_LABELS[outcome])
                                       for outcome in MATCH_OUTCOMES)
        self.reason.choices = choices([("", _l("Choose a reason"))] + [
            (r, MATCH_END_REASON_LABELS[r]) for r in MATCH_END_REASONS])


class VolunteerEndMatchForm(Form):
    """The volunteer ends a match after their commitment ended (the outcome follows it)."""

    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(_l("A few words for the programme team (optional)"),
                         validators=[Length(max=NOTE_MAX)])
    reopen = BooleanField(_l("The newcomer would still like a buddy: ask the team to find "
                             "someone else"))
    submit = SubmitField(_l("End the match"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = choices([("", _l("Choose a reason"))] + [
            (r, MATCH_END_REASON_LABELS[r]) for r in MATCH_END_REASONS])


class WithdrawForm(Form):
    note = TextAreaField(_l("Note for both people (optional)"), validators=[
        Length(max=NOTE_MAX, message=_l("Please keep it under %(max)d characters.",
                                        max=NOTE_MAX))])
    submit = SubmitField(_l("Withdraw the proposal"))


class CloseRequestForm(Form):
    """Closing a buddy request with a reason: the team's reasons, or the newcomer's."""

    reason = SelectField(_l("Why is it closed?"),
                         validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(_l("Note (optional)"), validators=[
        Length(max=NOTE_MAX, message=_l("Please keep it under %(max)d characters.",
                                        max=NOTE_MAX))])
    submit = SubmitField(_l("Close the request"))

    def __init__(self, *args, newcomer=False, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = NEWCOMER_CLOSE_REASONS if newcomer else CLOSE_REASONS
        self.reason.choices = choices([("", _l("Choose a reason"))] + [
            (r, CLOSE_REASON_LABELS[r]) for r in reasons])


def _role_choices():
    return [("", _l("All kinds of help"))] + [(c, ROLE_NAMES[c]) for c in ROLE_CODES]


class _ListFilterForm(Form):
    """Search and filters of a coordinator's matching list; ``states`` differ per list."""

    class Meta:
        csrf = False

    q = StringField(_l("Newcomer or volunteer"))
    role = SelectField(_l("Help"))
    neighbourhood = SelectField(_l("Neighbourhood"))
    state = SelectField(_l("State"))

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(_role_choices())
        self.neighbourhood.choices = choices(
            [("", _l("Any neighbourhood"))] + list(neighbourhood_choices))
        self.state.choices = choices(self.states())


class BoardFilterForm(_ListFilterForm):
    @staticmethod
    def states():
        return [
            ("", _l("All open requests")),
            ("unproposed", _l("No volunteer proposed yet")),
            ("proposed", _l("A volunteer is proposed")),
            ("waiting_long", lazy_ngettext("Waiting %(num)d day or more",
                                           "Waiting %(num)d days or more", WAITING_LONG_DAYS)),
        ]


class MatchFilterForm(_ListFilterForm):
    @staticmethod
    def states():
        return [
            ("active", _l("Active")),
            ("proposed", _l("Proposed: waiting for answers")),
            ("decision", _l("Active, the volunteer's commitment has ended")),
        ]
