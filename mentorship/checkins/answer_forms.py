"""The forms of one check-in screen: one question (a choice or free text), and "Send".

The answer is checked by ``services.parse_value`` (one place for the rule): the forms
only carry the CSRF token and keep what was chosen or typed when a refusal re-renders.
"""

from wtforms import RadioField, TextAreaField

from ..formtools import Form
from ..i18n import lazy_gettext as _l
from . import models
from .services import TEXT_LIMIT

# The steps of each kind of question, in the order they are shown, and their words.
CHOICES = {
    models.SCALE: (models.SCALE_STEPS, models.SCALE_LABELS),
    models.WORK: (models.WORK_STEPS, models.WORK_LABELS),
    models.YESNO: (models.YESNO_STEPS, models.YESNO_LABELS),
}


def _kept(value):
    return None if value in (None, "None", "") else str(value)


def answer_label(question, answer):
    """How an answer reads: the word of its step, the text typed, or None if skipped."""
    if answer is None or answer.skipped:
        return None
    if question.kind == models.TEXT:
        return answer.text
    return CHOICES[question.kind][1].get(answer.value)


class ChoiceAnswerForm(Form):
    # No choice made is the service's refusal (shown next to this field), not WTForms'.
    answer = RadioField(_l("Your answer"), validate_choice=False, coerce=_kept)


class TextAnswerForm(Form):
    answer = TextAreaField(_l("Your answer"), render_kw={"maxlength": TEXT_LIMIT, "rows": 5})


class SendForm(Form):
    """Only the CSRF token: sending takes no input."""


def answer_form(question, answer=None):
    """The form of one question: what was posted, else the answer already given."""
    if question.kind == models.TEXT:
        text = answer.text if answer is not None and not answer.skipped else ""
        return TextAnswerForm(data={"answer": text or ""})
    value = answer.value if answer is not None and not answer.skipped else None
    steps, labels = CHOICES[question.kind]
    form = ChoiceAnswerForm(data={"answer": _kept(value)})
    form.answer.choices = [(str(step), labels[step]) for step in steps]
    return form
