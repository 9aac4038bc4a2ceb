"""The privacy notice and people's consent to it.

A version of the notice is every language's text saved together (one PrivacyNotice row
per language that has a text); saving makes the next version. The programme's default
language must have a text; a language left empty is shown in the default language (then
in the first language of LANGUAGES that has a text), marked with its own ``lang``.

Consent: registration records agreement to the version the sign-up form showed, if it is
still the current one (``consent_at_registration``); otherwise the new account is asked
right after sign-up. When a new version is published, people are asked again at their
next login (accounts.views.login and the remember-me cookie call ``consent_due``; a
session flag does the rest, see notice_views), so no page pays a query for it.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from ..audit.services import record
from ..database import add_once, unique_or, utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..programme.services import get_settings
from .models import Consent, PrivacyNotice


class NoticeError(DomainError):
    """A refused change to the privacy notice or to a consent."""


@dataclass(frozen=True)
class ShownNotice:
    """The notice as one reader sees it: ``locale`` is the language of ``body`` (another
    than the reader's when theirs has no text)."""

    version: int
    published_at: datetime
    locale: str
    body: str

    @property
    def html(self):
        # The training modules' Markdown, sanitised the same way (nh3).
        from ..training.services.content import render_markdown

        return render_markdown(self.body)


def current_version():
    """The number of the notice in force, or None before the first one is published."""
    return db.session.scalar(select(func.max(PrivacyNotice.version)))


def notice_texts(version):
    """Language code → text of one version (only the languages that have one)."""
    rows = db.session.scalars(select(PrivacyNotice).where(PrivacyNotice.version == version))
    return {row.locale: row.body for row in rows}


def fallback_order(locale):
    """The languages to try for a reader of ``locale``: theirs, the programme's default,
    then every interface language in order."""
    return list(dict.fromkeys([locale, get_settings().default_locale,
                               *current_app.config["LANGUAGES"]]))


def notice_for(locale):
    """The current notice in ``locale`` (or its fallback); None if none is published."""
    version = current_version()
    if version is None:
        return None
    rows = {row.locale: row for row in db.session.scalars(
        select(PrivacyNotice).where(PrivacyNotice.version == version))}
    for code in fallback_order(locale):
        row = rows.get(code)
        if row is not None and row.body.strip():
            return ShownNotice(version, row.published_at, code, row.body)
    return None


def versions():
    """Every published version, newest first: (version, published_at, publisher id,
    languages)."""
    rows = db.session.execute(
        select(PrivacyNotice.version, PrivacyNotice.published_at,
               PrivacyNotice.published_by_id, PrivacyNotice.locale)
        .order_by(PrivacyNotice.version.desc(), PrivacyNotice.locale)).all()
    history = {}
    for version, published_at, by_id, locale in rows:
        entry = history.setdefault(version, {"version": version, "published_at": published_at,
                                             "published_by_id": by_id, "languages": []})
        entry["languages"].append(locale)
    return list(history.values())


def publish_notice(actor, texts):
    """Publish a new version from ``texts`` (language code → Markdown); returns its number.

    Everyone is asked to agree to it at their next login, so an unchanged text is refused
    rather than published again.
    """
    texts = {code: (texts.get(code) or "").strip() for code in current_app.config["LANGUAGES"]}
    texts = {code: body for code, body in texts.items() if body}
    default = get_settings().default_locale
    if default in current_app.config["LANGUAGES"] and not texts.get(default):
        raise NoticeError(_l("Please write the notice in the programme's default language: "
                             "the other languages fall back to it."), f"body_{default}")
    if not texts:
        raise NoticeError(_l("Please write the notice in at least one language."), status=422)
    version = current_version()
    if version is not None and notice_texts(version) == texts:
        raise NoticeError(_l("Nothing changed: this is the text of version %(version)d.",
                             version=version), status=422)
    number = (version or 0) + 1
    now = utcnow()
    with unique_or(NoticeError(_l("Someone published a new version at the same time. "
                                  "Please check the current text and save again."))):
        for code, body in texts.items():
            db.session.add(PrivacyNotice(version=number, locale=code, body=body,
                                         published_at=now, published_by_id=actor.id))
    first = db.session.scalar(select(PrivacyNotice).where(PrivacyNotice.version == number)
                              .order_by(PrivacyNotice.id).limit(1))
    record(actor, "privacy_notice.published", first, version=number,
           languages=sorted(texts))
    return number


def record_consent(user, version):
    """``user`` agrees to ``version`` (once: agreeing again changes nothing)."""
    add_once(Consent(user_id=user.id, version=version, accepted_at=utcnow()))


def consent_at_registration(user, version):
    """At sign-up: ``user`` agrees to ``version``, the one the form showed (None: none, or
    a value that was not a version). Recorded only if it is still the current one, so
    nobody is recorded as agreeing to a text published while their form was open (they
    are asked for it right after sign-up instead). Returns the version recorded, or None.
    """
    current = current_version()
    if current is None or version != current:
        return None
    record_consent(user, current)
    return current


def agree(user, version):
    """``user`` agrees to the notice they were shown, which must still be the current one."""
    current = current_version()
    if current is None:
        return None
    if version != current:
        raise NoticeError(_l("The notice changed while you were reading it. Please read "
                             "the new version."))
    record_consent(user, current)
    return current


def latest_consent(user):
    """The person's most recent consent, or None."""
    return db.session.scalar(select(Consent).where(Consent.user_id == user.id)
                             .order_by(Consent.version.desc()).limit(1))


def consent_due(user):
    """True when a notice is published and ``user`` has not agreed to its current version."""
    current = current_version()
    if current is None:
        return False
    agreed = db.session.scalar(select(func.max(Consent.version))
                               .where(Consent.user_id == user.id))
    return agreed is None or agreed < current

