"""Locale choice and language names.

The locale comes from, in order: the user's saved preference, the choice made with
the language switcher (kept in the session), the browser's Accept-Language, and the
programme's default language.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

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


def select_locale():
    supported = supported_locales()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in supported:
        return chosen
    best = request.accept_languages.best_match(supported)
    if best:
        return best
    from .programme.services import get_settings

    default = get_settings().default_locale
    return default if default in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    from .programme.services import get_settings

    return get_settings().timezone


def in_reader_language(texts):
    """A text written in several languages, as (language, text) for this reader: their
    own language, else the programme's default, else English, else any. ``texts`` maps a
    language code to its text; (None, "") when there is none."""
    from .programme.services import get_settings

    texts = {code: text for code, text in (texts or {}).items() if text}
    for code in (str(get_locale()), get_settings().default_locale, "en"):
        if code in texts:
            return code, texts[code]
    return next(iter(texts.items()), (None, ""))


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
