"""The privacy notice (/privacy), agreeing to it again (/privacy/agree), and editing it
(/admin/privacy, admins).

Asking again after a new version: the check runs once, at login (``check_consent``, called
by accounts.views.login and when a remember-me cookie restores a session) and leaves a
flag in the session; ``ask_for_consent`` then sends every page to the agree page until the
person agrees. Pages pay no query for it. Open meanwhile (OPEN_ENDPOINTS): logging out,
the language switcher, /health, static files, the notice and the agree page, and what a
person who does not agree needs: their data (page and download) and asking for their
account to be deleted (or cancelling that request). Everything else waits, staff work on
the privacy blueprint too (confirming erasures, editing the notice).
"""

from urllib.parse import urlsplit

from flask import request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, user_loaded_from_cookie
from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..i18n import gettext as _
from ..permissions import can_administer, is_logged_in, requires
from ..web import form_status, perform, redirect_to, render, safe_next
from . import bp, notice
from .notice_forms import AgreeForm, notice_form_class

CONSENT_DUE = "privacy_consent_due"
OPEN_ENDPOINTS = frozenset({
    "static", "main.health", "main.set_language", "accounts.logout",
    "accounts.logout_everywhere",
    "privacy.notice", "privacy.agree", "privacy.my_data", "privacy.my_data_json",
    "privacy.delete_account", "privacy.cancel_erasure",
})


def check_consent(user):
    """At login: flag the session if ``user`` has not agreed to the current notice."""
    due = notice.consent_due(user)
    if due:
        session[CONSENT_DUE] = True
    else:
        session.pop(CONSENT_DUE, None)
    return due


@user_loaded_from_cookie.connect
def _check_restored_session(_app, user):
    # A "keep me logged in" cookie starts a session without the login page: a login too.
    check_consent(user)


def _here():
    """Where the person was going (a GET) or coming from (a form), to return there."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    return urlsplit(request.referrer or "").path or None


@bp.before_app_request
def ask_for_consent():
    if request.endpoint is None or request.endpoint in OPEN_ENDPOINTS:
        return None
    # Loading the user here costs nothing more: the page loads it anyway (and a
    # remember-me cookie sets the flag while loading it).
    if not current_user.is_authenticated or not session.get(CONSENT_DUE):
        return None
    return redirect_to(url_for("privacy.agree", next=safe_next(_here())))


def _status(form, done):
    """A refusal's own status (a stale version: 409), else 422 for invalid input."""
    return done.error.status if done is not None and done.error else form_status(form)


@bp.route("/privacy", endpoint="notice")
def show_notice():
    locale = str(get_locale())
    return render("privacy/notice.html", shown=notice.notice_for(locale))


@bp.route("/privacy/agree", methods=["GET", "POST"])
@requires(is_logged_in)
def agree():
    next_url = safe_next(request.values.get("next"))
    form, done = AgreeForm(), None
    if form.validate_on_submit():
        done = perform(notice.agree, current_user, form.version.data, form=form,
                       success=_("Thank you. You agreed to the privacy notice."))
        if done:
            session.pop(CONSENT_DUE, None)
            return redirect_to(next_url)
    shown = notice.notice_for(str(get_locale()))
    if shown is None:  # nothing to agree to
        session.pop(CONSENT_DUE, None)
        return redirect_to(next_url)
    latest = notice.latest_consent(current_user)
    if latest is not None and latest.version == shown.version:
        session.pop(CONSENT_DUE, None)  # agreed meanwhile (in another browser, say)
    return render("privacy/agree.html", status=_status(form, done), form=form, shown=shown,
                  next_url=next_url, latest=latest)


@bp.route("/admin/privacy", methods=["GET", "POST"])
@requires(can_administer)
def edit_notice():
    version = notice.current_version()
    data = None
    if request.method == "GET" and version is not None:
        data = {f"body_{code}": body for code, body in notice.notice_texts(version).items()}
    form, done = notice_form_class()(data=data), None
    if form.validate_on_submit():
        done = perform(notice.publish_notice, current_user, form.texts(), form=form,
                       success=_("The new version of the privacy notice is published. "
                                 "Everyone is asked to agree to it at their next login."))
        if done:
            return redirect_to(url_for("privacy.edit_notice"))
    history = notice.versions()
    publishers = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(
        {entry["published_by_id"] for entry in history if entry["published_by_id"]})))}
    return render("admin/privacy.html", status=_status(form, done), form=form, version=version,
                  history=history, publishers=publishers)
