"""Who may do what: one predicate per rule, and one decorator that applies them.

Views use ``@requires(predicate)``; templates may call the same predicates to hide
a link, but never decide alone. A logged-out visitor is sent to the login page (an
HTMX request gets HX-Redirect); a logged-in user without the right gets a 403 page.
"""

from functools import wraps

from flask import abort, has_request_context, request
from flask_login import current_user
from sqlalchemy import exists, or_, select

from .accounts.models import ADMIN, COORDINATOR, NEWCOMER, PARTNER, RESIDENT
from .extensions import login_manager


def is_logged_in(user):
    """Any signed-in account."""
    return bool(user and user.is_authenticated)


def can_administer(user):
    """Programme owners: people and roles, partners, settings, audit log."""
    return is_logged_in(user) and user.has_role(ADMIN)


def can_coordinate(user):
    """Programme staff (admins included)."""
    return is_logged_in(user) and user.has_role(COORDINATOR)


def can_volunteer(user):
    """Residents, and newcomers who applied to volunteer: they apply, train, log hours
    and claim perks."""
    if not is_logged_in(user):
        return False
    return user.has_role(RESIDENT) or (user.has_role(NEWCOMER)
                                       and has_volunteer_record(user))


def has_volunteer_record(user):
    """Whether this person ever applied to volunteer (an application or a commitment).
    Asked once per request and person: the navigation asks on every page."""
    from .extensions import db
    from .volunteering.models import Application, Commitment

    # Kept on the request, not on g: a test's app context may span several requests.
    known = {}
    if has_request_context():
        known = request.environ.setdefault("mentorship.volunteer_records", {})
    if user.id not in known:
        known[user.id] = bool(db.session.scalar(select(or_(
            exists().where(Application.user_id == user.id),
            exists().where(Commitment.user_id == user.id)))))
    return known[user.id]


def can_apply(user, role=None):
    """Residents may apply for any volunteer role; newcomers for a role opened to
    newcomers (``role`` None: whether this person may apply for some role at all)."""
    if not is_logged_in(user):
        return False
    if user.has_role(RESIDENT):
        return True
    return user.has_role(NEWCOMER) and (role is None or bool(role.open_to_newcomers))


def can_volunteer_or_coordinate(user):
    """Pages both a volunteer (for their own records) and staff may open."""
    return can_volunteer(user) or can_coordinate(user)


def can_request_buddy(user):
    """Newcomers who may ask for a buddy."""
    return is_logged_in(user) and user.has_role(NEWCOMER)


def is_partner(user):
    """Staff of a partner venue."""
    return is_logged_in(user) and user.has_role(PARTNER)


def can_answer_checkin(user, checkin):
    """The person a check-in is for, or a coordinator answering on their behalf."""
    if not is_logged_in(user):
        return False
    return user.id == checkin.person_id or can_coordinate(user)


def own_or_404(model, record_id, user=None):
    """The record of ``model`` with this id if it belongs to ``user`` (the signed-in
    person by default); anyone else's, or a missing one, is a 404 — never shown because
    its id was posted."""
    from .extensions import db

    user = user or current_user
    record = db.session.get(model, record_id)
    if record is None or record.user_id != user.id:
        abort(404)
    return record


def requires(predicate):
    """Let the view run only for users for whom ``predicate(user)`` is true."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = predicate
        return wrapped

    return decorator


PREDICATES = {
    "is_logged_in": is_logged_in,
    "can_administer": can_administer,
    "can_coordinate": can_coordinate,
    "can_volunteer": can_volunteer,
    "can_apply": can_apply,
    "can_volunteer_or_coordinate": can_volunteer_or_coordinate,
    "can_request_buddy": can_request_buddy,
    "is_partner": is_partner,
}
