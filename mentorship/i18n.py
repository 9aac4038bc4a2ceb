"""Translated strings and language names: what every module imports (so it imports no
module of the app; the locale's choice, which reads the programme's settings, is in
programme/languages.py).

Strings are looked up through one catalogue per request and language
(``current_translations``): import ``gettext``, ``ngettext``, ``lazy_gettext`` and
``lazy_ngettext`` from here, never from Flask-Babel.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask import current_app, g
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString

# Languages people can say they speak (ISO 639-1). Names come from CLDR in the page's
# language, so they need no catalogue entries.
SPOKEN_LANGUAGES = (
    "fr", "en", "ar", "uk", "ru", "fa", "ps", "ti", "so", "es", "pt", "de", "it",
    "nl", "pl", "ro", "tr", "ku", "am", "sw", "ur", "hi", "bn", "ta", "zh", "vi", "sq",
    "sr", "hr", "bs", "ka", "hy", "az", "be", "ln", "wo", "ha", "yo", "ig", "my", "ne",
)  # fmt: skip

LANGUAGE_SESSION_KEY = "locale"


def supported_locales():
    return current_app.config["LANGUAGES"]


def current_translations():
    """The catalogue of the page's language, found once per request and language.

    Flask-Babel finds it again for every string (a dozen context lookups each); a page
    of 25 rows asks for ~250 strings, which was a tenth of its time. The catalogue is
    kept on Flask-Babel's own per-request namespace with the locale it is for, so
    ``force_locale`` (an email in its reader's language) gets its own catalogue and the
    page's comes back after it.
    """
    space = g.get("_flask_babel") if g else None
    locale = getattr(space, "babel_locale", None)
    known = getattr(space, "mentorship_catalogue", None)
    if known is not None and locale is not None and known[0] is locale:
        return known[1]
    catalogue = get_translations()
    space = g.get("_flask_babel") if g else None
    if space is not None:
        space.mentorship_catalogue = (getattr(space, "babel_locale", None), catalogue)
    return catalogue


def gettext(string, **variables):
    """Flask-Babel's ``gettext`` through ``current_translations`` (import it from here)."""
    text = current_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    variables.setdefault("num", num)
    return current_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string, **variables):
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular, plural, num, **variables):
    return LazyString(ngettext, singular, plural, num, **variables)


def current_locale():
    """``flask_babel.get_locale()`` without its lookups when the request already knows
    its locale (the same value: Flask-Babel keeps it on the same namespace)."""
    space = g.get("_flask_babel") if g else None
    locale = getattr(space, "babel_locale", None)
    return locale if locale is not None else get_locale()


def install_template_gettext(app):
    """The templates' ``_``, ``gettext`` and ``ngettext`` read ``current_translations``
    (replacing Flask-Babel's callables, which do the same with a lookup per string).
    Call after ``babel.init_app``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: current_translations().ugettext(text),
        ngettext=lambda one, many, n: current_translations().ungettext(one, many, n),
        pgettext=lambda context, text: current_translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: current_translations().unpgettext(
            context, one, many, n),
        newstyle=True,
    )


def text_direction(locale=None):
    code = str(locale or get_locale())
    return "rtl" if code in current_app.config["RTL_LANGUAGES"] else "ltr"


def language_name(code, locale=None):
    """A language's name in the page's language ("arabe" on a French page)."""
    return _language_name(code, str(locale or get_locale()))


@lru_cache(maxsize=4096)
def _language_name(code, locale):
    # Babel's data never changes while the app runs: each name is looked up once.
    try:
        name = Locale.parse(locale).languages.get(code)
    except (ValueError, LookupError, UnknownLocaleError, TypeError):
        name = None
    return name[:1].upper() + name[1:] if name else code


def native_name(code):
    """A language's name in itself, for the language switcher ("العربية")."""
    return language_name(code, code)


def spoken_language_choices():
    return list(_spoken_language_choices(str(get_locale())))


@lru_cache(maxsize=32)
def _spoken_language_choices(locale):
    choices = [(code, _language_name(code, locale)) for code in SPOKEN_LANGUAGES]
    return tuple(sorted(choices, key=lambda item: item[1].casefold()))
