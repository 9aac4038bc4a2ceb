"""The base form and small helpers shared by the forms of every area."""

import re
from datetime import date
from functools import lru_cache

import wtforms
from babel.support import Translations
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, DateTimeField, IntegerField, SelectChoice, StringField
from wtforms.fields.choices import Choice
from wtforms.i18n import messages_path
from wtforms.widgets import Select, html_params

from .i18n import current_locale
from .i18n import lazy_gettext as _l

# The largest integer both databases store in an INTEGER column (PostgreSQL's int4).
DB_INT_MAX = 2**31 - 1


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale):
    return Translations.load(messages_path(), [locale], domain="wtforms")


class OptionsWrittenOnce(Select):
    """WTForms' Select, the same HTML, with each option written once per language (and
    set of choices) and only marked selected per field: a select of 40 languages cost
    ~1 ms when every option went through WTForms' rendering (the profile has three, the
    filter forms several). For a SelectField of plain choices (SelectChoice, no optgroup,
    no attributes of their own, values compared as text); WTForms renders any other."""

    def __call__(self, field, **kwargs):
        declared = field.choices
        if field.coerce is not str or not isinstance(declared, list | tuple) or not all(
                type(choice) is SelectChoice and not choice.render_kw
                and choice.optgroup is None for choice in declared):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        options = _written_options(tuple((choice.value, str(choice.label or choice.value))
                                         for choice in declared))
        data = field.data
        html = "".join(selected if choice.value == data else plain
                       for choice, (plain, selected) in zip(declared, options, strict=True))
        # html_params escapes every value, and the options are WTForms' own Markup.
        params = html_params(name=field.name, **kwargs)
        return Markup(f"<select {params}>{html}</select>")  # noqa: S704  # nosec B704


@lru_cache(maxsize=64)
def _written_options(choices):
    """((value, label), ...) as (option, option marked selected) HTML pairs."""
    return tuple((Select.render_option(Choice(value, label, selected=False, render_kw=None)),
                  Select.render_option(Choice(value, label, selected=True, render_kw=None)))
                 for value, label in choices)


class SelectField(wtforms.SelectField):
    """WTForms' SelectField written by ``OptionsWrittenOnce``: import it from here."""

    widget = OptionsWrittenOnce()


def choices(pairs):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form, error):
    """Show a service's refusal next to the field it names (``error.field``), or at the
    top of the form when it names none."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


# C0 control characters and DEL, except tab and line breaks (kept in multi-line text).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Dates outside these years are typing mistakes, and some cannot be stored or shifted.
MIN_YEAR, MAX_YEAR = 1900, 2200


def filter_values(form, names):
    """What a list's filter form (a GET form) asks for: {name: value or None}. A value that
    is not one of the choices (a hand-edited URL) is ignored, and the form shows no error:
    a person who opens a list, or narrows it, has done nothing wrong."""
    form.validate()
    values = {name: (form[name].data if not form[name].errors else None) or None
              for name in names}
    for name in names:
        form[name].errors = []
    return values


def clean_text(value):
    """Text as the database may keep it: no NUL or other control characters."""
    return _CONTROLS.sub("", value) if isinstance(value, str) else value


def _out_of_range(field):
    """A message when a number or date field holds what the database cannot store."""
    data = field.data
    if isinstance(field, IntegerField) and isinstance(data, int) and not (
            -DB_INT_MAX - 1 <= data <= DB_INT_MAX):
        return _l("Please enter a smaller number.")
    if isinstance(field, DateField | DateTimeField) and isinstance(data, date) and not (
            MIN_YEAR <= data.year <= MAX_YEAR):
        return _l("Please enter a date between the years %(first)d and %(last)d.",
                  first=MIN_YEAR, last=MAX_YEAR)
    return None


class Form(FlaskForm):
    """The base of every form: text is cleaned of control characters before it is
    validated, and numbers and dates must fit what the database stores."""

    class Meta:
        def get_translations(self, form):
            # WTForms' own messages ("Not a valid choice."), in the page's language: its
            # catalogue read once per language, not on every request as Flask-WTF does.
            return _wtforms_catalogue(str(current_locale()))

        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                filters = (*unbound_field.kwargs.get("filters", ()), clean_text)
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            problem = _out_of_range(field) if not field.errors else None
            if problem:
                field.errors = [*field.errors, problem]
                valid = False
        return valid
