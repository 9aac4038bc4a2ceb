"""The coordinator's forms: resolving a flag, filtering the check-ins waiting for an
answer, and a question's wording in every language."""

from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..formtools import Form, SelectField, choices
from ..i18n import language_name
from ..i18n import lazy_gettext as _l
from .flags import RESOLUTION_LIMIT
from .models import AUDIENCE_LABELS, AUDIENCES, MOMENT_LABELS, MOMENTS
from .questions import WORDING_LIMIT


class ResolveFlagForm(Form):
    """One per open flag on the page (``prefix`` tells them apart)."""

    resolution = TextAreaField(_l("What was done?"), validators=[
        InputRequired(_l("Please write what was done.")),
        Length(max=RESOLUTION_LIMIT, message=_l("Please keep this under %(num)d characters.",
                                                num=RESOLUTION_LIMIT))])


def resolve_form(flag_id, formdata=None):
    return ResolveFlagForm(formdata, prefix=f"flag-{flag_id}")


class WaitingFilterForm(Form):
    """The filters of the check-ins waiting for an answer (a GET form)."""

    class Meta:
        csrf = False

    audience = SelectField(_l("Who"), choices=choices(
        [("", _l("Everyone"))] + [(a, AUDIENCE_LABELS[a]) for a in AUDIENCES]))
    moment = SelectField(_l("When"), choices=choices(
        [("", _l("Any moment"))] + [(m, MOMENT_LABELS[m]) for m in MOMENTS]))


ACTIVE_CHOICES = (("yes", _l("Yes")), ("no", _l("No")))


class QuestionForm(Form):
    """A question's wording (one field per language, added by ``question_form``) and
    whether it is asked."""

    is_active = RadioField(_l("Ask this question in new check-ins?"),
                           choices=choices(ACTIVE_CHOICES),
                           validators=[InputRequired(_l("Please choose yes or no."))])


def text_field_name(locale):
    return f"text_{locale}"


def question_form(languages, formdata=None, **data):
    """The form for ``languages`` (the app's): English required, the others optional."""

    class LanguageQuestionForm(QuestionForm):
        pass

    for locale in languages:
        length = Length(max=WORDING_LIMIT, message=_l(
            "Please keep this under %(num)d characters.", num=WORDING_LIMIT))
        if locale == "en":
            validators = [InputRequired(_l("Please give the English wording: it is the one "
                                           "shown when a language has none.")), length]
            description = None
        else:
            validators = [length]
            description = _l("Left empty, the English wording is shown.")
        setattr(LanguageQuestionForm, text_field_name(locale), TextAreaField(
            _l("Wording in %(language)s", language=language_name(locale)),
            validators=validators, description=description))
    return LanguageQuestionForm(formdata, data=data)
