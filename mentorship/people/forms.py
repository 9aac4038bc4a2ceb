"""The people search's form (a GET form: nothing to protect with a CSRF token)."""

from wtforms import SearchField
from wtforms.validators import Length

from ..accounts.models import ROLE_LABELS, ROLES
from ..formtools import Form, SelectField, choices
from ..i18n import lazy_gettext as _l
from .services import STATUS_LABELS, STATUSES

QUERY_MAX = 200


class PeopleSearchForm(Form):
    class Meta:
        csrf = False

    q = SearchField(_l("Name, email or phone"), validators=[Length(max=QUERY_MAX)],
                    description=_l("Accents and capitals do not matter; three digits or more "
                                   "also search phone numbers."))
    role = SelectField(_l("Role"))
    status = SelectField(_l("Status"))
    neighbourhood = SelectField(_l("Neighbourhood"))

    def __init__(self, *args, neighbourhood_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))] + [(r, ROLE_LABELS[r]) for r in ROLES])
        self.status.choices = choices([("", _l("Anyone"))]
                                      + [(s, STATUS_LABELS[s]) for s in STATUSES])
        self.neighbourhood.choices = choices([("", _l("Any neighbourhood"))]
                                             + list(neighbourhood_choices))
