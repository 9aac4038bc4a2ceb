"""The page's language and time zone, and texts written in several languages: the
choices that need the programme's settings (its default language and time zone), kept
out of mentorship/i18n.py, which everything imports.

The locale comes from, in order: the user's saved preference, the choice made with the
language switcher (kept in the session), the browser's Accept-Language, and the
programme's default language.
"""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..i18n import LANGUAGE_SESSION_KEY, supported_locales
from .services import get_settings


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
    default = get_settings().default_locale
    return default if default in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    return get_settings().timezone


def in_reader_language(texts):
    """A text written in several languages, as (language, text) for this reader: their
    own language, else the programme's default, else English, else any. ``texts`` maps a
    language code to its text; (None, "") when there is none."""
    texts = {code: text for code, text in (texts or {}).items() if text}
    for code in (str(get_locale()), get_settings().default_locale, "en"):
        if code in texts:
            return code, texts[code]
    return next(iter(texts.items()), (None, ""))
