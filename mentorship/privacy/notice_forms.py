"""Forms of the privacy notice: the admins' editor and the "I agree" button."""

from flask import current_app
from wtforms import HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from ..formtools import Form
from ..i18n import lazy_gettext as _l
from ..i18n import native_name
from .models import NOTICE_MAX


def notice_form_class():
    """The notice editor: one Markdown text per interface language (``body_<code>``)."""

    class NoticeForm(Form):
        submit = SubmitField(_l("Publish a new version"))

        def texts(self):
            return {code: self[f"body_{code}"].data or ""
                    for code in current_app.config["LANGUAGES"]}

    for code in current_app.config["LANGUAGES"]:
        setattr(NoticeForm, f"body_{code}", TextAreaField(
            _l("Notice in %(language)s", language=native_name(code)),
            validators=[Length(max=NOTICE_MAX, message=_l(
                "Please use at most %(max)d characters.", max=NOTICE_MAX))],
            description=_l("Markdown: ## for a heading, * for a list, [text](link) for a "
                           "link. Left empty: readers of this language see the default "
                           "language's text.")))
    return NoticeForm


class AgreeForm(Form):
    # The version the person read: agreeing to an older one (published over while the
    # page was open) is refused, and the new text is shown.
    version = IntegerField(widget=HiddenInput(),
                           validators=[InputRequired(_l("Please read the notice again."))])
    next = HiddenField()
    submit = SubmitField(_l("I agree"))
