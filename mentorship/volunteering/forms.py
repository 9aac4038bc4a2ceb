from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..accounts.forms import LanguageSkillForm, language_skills, unique_languages
from ..availability import AvailabilityField, at_least_one_slot
from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext
from .models import (
    ACTIVE,
    ANY_STATE,
    APPLICATION_STATE_LABELS,
    APPLICATION_STATES,
    COMMITMENT_STATE_LABELS,
    COMMITMENT_STATES,
    END_REASON_LABELS,
    END_REASONS,
    ENDING_SOON_DAYS,
    MAXIMUM_MONTHS,
    MINIMUM_MONTHS,
    PLEDGE_REQUIRED,
    ROLE_CODES,
    ROLE_NAMES,
    START_WINDOW_MONTHS,
)

MOTIVATION_MAX = 5000
MESSAGE_MAX = 2000


class ApplicationForm(Form):
    motivation = TextAreaField(
        _l("Why would you like to take this role?"),
        validators=[
            DataRequired(_l("Please tell us in a few words why you would like to volunteer.")),
            Length(max=MOTIVATION_MAX, message=_l(
                "Please keep it under %(max)d characters.", max=MOTIVATION_MAX)),
        ],
        description=_l("A few sentences are enough: what you would like to share, "
                       "and what you have done before if anything."),
    )
    languages = FieldList(FormField(LanguageSkillForm), min_entries=1)
    add_language = SubmitField(_l("Add another language"))
    neighbourhood = SelectField(
        _l("Neighbourhood where you can meet"),
        validators=[DataRequired(_l("Please choose a neighbourhood."))],
    )
    availability = AvailabilityField(
        _l("When are you usually free?"), validators=[at_least_one_slot]
    )
    start_date = DateField(
        _l("When would you like to start?"),
        validators=[InputRequired(_l("Please choose a start date."))],
        description=lazy_ngettext("From today up to %(num)d month from now.",
                                  "From today up to %(num)d months from now.",
                                  START_WINDOW_MONTHS),
    )
    pledge = BooleanField(validators=[InputRequired(PLEDGE_REQUIRED)])
    submit = SubmitField(_l("Send my application"))

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.neighbourhood.choices = choices(neighbourhood_choices)

    def validate_languages(self, field):
        unique_languages(self, field)
        if not language_skills(field):
            raise ValidationError(_l("Please list at least one language you speak."))

    def language_skills(self):
        return language_skills(self.languages)


class DecisionForm(Form):
    decision = HiddenField()
    message = TextAreaField(
        _l("Message to the applicant"),
        validators=[Length(max=MESSAGE_MAX, message=_l(
            "Please keep it under %(max)d characters.", max=MESSAGE_MAX))],
        description=_l("They will see it on their page and receive it by email. "
                       "Needed to decline or to ask a question."),
    )
    approve = SubmitField(_l("Approve"))
    request_info = SubmitField(_l("Ask for more information"))
    reject = SubmitField(_l("Decline"))

    def chosen_decision(self):
        for name in ("approve", "request_info", "reject"):
            if getattr(self, name).data:
                return name
        return self.decision.data or None


class EndCommitmentForm(Form):
    reason = SelectField(
        _l("Why does it end?"), validators=[DataRequired(_l("Please choose a reason."))]
    )
    note = TextAreaField(
        _l("A few words (optional)"),
        validators=[Length(max=MESSAGE_MAX, message=_l(
            "Please keep it under %(max)d characters.", max=MESSAGE_MAX))],
    )
    end_matches = BooleanField(_l("Also end the matches with the newcomers listed above "
                                  "(their requests go back to the coordinators)"))
    submit = SubmitField(_l("End this commitment"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = choices(
            [("", _l("Choose a reason"))] + [(r, END_REASON_LABELS[r]) for r in END_REASONS]
        )


WAITING_CHOICES = (("", _l("Any time")), ("7", _l("7 days or more")),
                   ("14", _l("14 days or more")), ("30", _l("30 days or more")))


class QueueFilterForm(Form):
    class Meta:
        csrf = False

    role = SelectField(_l("Role"))
    status = SelectField(_l("Status"))
    language = SelectField(_l("Language"))
    neighbourhood = SelectField(_l("Neighbourhood"))
    waiting = SelectField(_l("Waiting"))

    def __init__(self, *args, language_choices=(), neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))]
                                    + [(c, ROLE_NAMES[c]) for c in ROLE_CODES])
        self.status.choices = choices(
            [("open", _l("Waiting or needing information")), ("all", _l("All"))]
            + [(s, APPLICATION_STATE_LABELS[s]) for s in APPLICATION_STATES])
        self.language.choices = choices([("", _l("Any language"))] + list(language_choices))
        self.neighbourhood.choices = choices(
            [("", _l("Any neighbourhood"))] + list(neighbourhood_choices))
        self.waiting.choices = choices(WAITING_CHOICES)


class CommitmentFilterForm(Form):
    """The coordinators' commitments list: who, which role, state, where, ending soon."""

    class Meta:
        csrf = False

    q = StringField(_l("Volunteer's name"))
    role = SelectField(_l("Role"))
    state = SelectField(_l("State"))
    neighbourhood = SelectField(_l("Neighbourhood"))
    ending_soon = BooleanField(lazy_ngettext("Ending in the next %(num)d day",
                                        "Ending in the next %(num)d days", ENDING_SOON_DAYS))

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))]
                                    + [(c, ROLE_NAMES[c]) for c in ROLE_CODES])
        # Serving now first: the list opens on it.
        states = (ACTIVE, *(s for s in COMMITMENT_STATES if s != ACTIVE))
        self.state.choices = choices([(s, COMMITMENT_STATE_LABELS[s]) for s in states]
                                     + [(ANY_STATE, _l("All states"))])
        self.neighbourhood.choices = choices(
            [("", _l("Any neighbourhood"))] + list(neighbourhood_choices))


class RoleSettingsEntry(Form):
    class Meta:
        csrf = False

    code = HiddenField()
    min_months = IntegerField(
        _l("Minimum commitment (months)"),
        validators=[
            InputRequired(_l("Please enter a number of months.")),
            NumberRange(min=MINIMUM_MONTHS, max=MAXIMUM_MONTHS, message=_l(
                "Between %(min)d and %(max)d months.", min=MINIMUM_MONTHS,
                max=MAXIMUM_MONTHS)),
        ],
    )
    capacity = IntegerField(
        _l("Newcomers one volunteer may accompany at once"),
        validators=[
            InputRequired(_l("Please enter a number.")),
            NumberRange(min=1, max=10, message=_l("Between %(min)d and %(max)d.", min=1, max=10)),
        ],
    )
    open_to_newcomers = BooleanField(
        _l("Newcomers may apply for this role"),
        description=_l("Residents always may. A newcomer goes through the same pledge, "
                       "training and certificate."),
    )


class RoleSettingsForm(Form):
    roles = FieldList(FormField(RoleSettingsEntry))
    submit = SubmitField(_l("Save roles"))
