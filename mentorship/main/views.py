from flask import current_app, jsonify, request, session
from flask_login import current_user
from sqlalchemy import text

from ..accounts.services import choose_language
from ..extensions import db
from ..i18n import LANGUAGE_SESSION_KEY
from ..permissions import can_volunteer
from ..web import perform, redirect_to, render, revalidated, safe_next
from . import bp


def next_steps(user, waiting_checkins=()):
    """What each kind of person should do next, most important first (keys for the template).
    ``waiting_checkins``: the check-ins they can answer now ("a check-in is waiting")."""
    if not user.is_authenticated:
        return ["register", "login"]
    steps = []
    if waiting_checkins:
        steps.append("checkin")
    if not user.languages or user.neighbourhood_id is None:
        steps.append("complete_profile")
    if user.has_role("coordinator"):
        steps.append("coordinate")
    if user.has_role("admin"):
        steps.append("administer")
    if can_volunteer(user):
        steps.append("volunteer")
    if user.has_role("newcomer"):
        steps.append("buddy")
    if user.has_role("partner"):
        steps.append("partner")
    return steps


@bp.route("/")
def home():
    from ..checkins.services import open_checkins_of
    from ..dates import programme_today
    from ..reports.cache import public_page, remembered
    from ..reports.figures import milestone

    today = programme_today()

    def context():
        waiting = open_checkins_of(current_user.id) if current_user.is_authenticated else []
        return {"steps": next_steps(current_user, waiting), "waiting_checkins": waiting,
                "milestone": remembered(("milestone", today),
                                        lambda: milestone(today.year))}

    kept = public_page(("home", today), "main/home.html", context)
    if kept is not None:
        return revalidated(*kept)
    return render("main/home.html", **context())


@bp.route("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))  # the request's end closes the read
    except Exception:  # any failure to reach the database is reported, not raised
        current_app.logger.exception("Health check: database unreachable")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/language", methods=["POST"])
def set_language():
    """The language switcher: remembered in the session, and on the account if logged in."""
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = code
        if current_user.is_authenticated:
            perform(choose_language, current_user, code)
    return redirect_to(safe_next(request.form.get("next"), default="main.home"))
