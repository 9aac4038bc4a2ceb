"""Assisted sign-up: a coordinator registers a newcomer and prints an invitation; the
newcomer claims the account with its code; the coordinator asks for a buddy on their behalf
and calls the people without email who have something waiting.

The code in clear is never stored (people.invitations): the coordinator sees it right
after registering or issuing a new invitation. It travels to the printable page in the
coordinator's own session (signed cookie, cleared at logout) and is printed while that
invitation is the person's current, unused one. Once it is not there (another browser,
logged out, or a newer invitation), the page offers "Issue a new invitation", which
makes the older code void.
"""

from flask import abort, current_app, flash, render_template, request, session, url_for
from flask_babel import force_locale, refresh
from flask_login import current_user
from markupsafe import Markup

from ..accounts.models import NEWCOMER, User
from ..extensions import db, limiter
from ..i18n import LANGUAGE_SESSION_KEY, text_direction
from ..i18n import gettext as _
from ..matching.models import HELP_DESCRIPTIONS, HELP_LABELS
from ..permissions import can_coordinate, requires
from ..privacy import notice
from ..programme.services import get_settings, neighbourhood_choices
from ..qr import qr_data_uri
from ..web import db_int, flash_success, form_status, perform, redirect_to, render
from . import bp, invitations
from .invitations import InvitationGone
from .signup_forms import ClaimForm, EnterCodeForm, NewPersonForm, RequestForForm

CODES_KEY = "invitation_codes"
CODES_KEPT = 10


def _remember_code(invitation, code):
    codes = dict(session.get(CODES_KEY) or {})
    codes[str(invitation.id)] = code
    newest = sorted(codes, key=int)[-CODES_KEPT:]
    session[CODES_KEY] = {key: codes[key] for key in newest}


def _code_for(invitation):
    """The code in clear of ``invitation`` if this coordinator's browser holds it and the
    invitation can still be claimed."""
    if invitation is None or invitation.state() != "valid":
        return None
    code = (session.get(CODES_KEY) or {}).get(str(invitation.id))
    if code and invitations.hash_code(code) == invitation.code_hash:
        return code
    return None


def _invitable_or_404(user_id):
    person = db.session.get(User, user_id)
    if not invitations.may_be_invited(person):
        abort(404)
    return person


@bp.route("/coordinate/people/new", methods=["GET", "POST"])
@requires(can_coordinate)
def new_person():
    form = NewPersonForm(neighbourhood_choices=neighbourhood_choices(_("No neighbourhood yet")))
    if request.method == "GET":
        form.locale.data = get_settings().default_locale
    if form.validate_on_submit():
        done = perform(
            invitations.register_newcomer, current_user, name=form.name.data,
            locale=form.locale.data, email=form.email.data, phone=form.phone.data,
            neighbourhood_id=int(form.neighbourhood.data) if form.neighbourhood.data else None,
            form=form)
        if done:
            person, invitation, code = done.result
            _remember_code(invitation, code)
            flash_success(_("%(name)s is registered. Print the invitation and give it to them.",
                            name=person.name))
            return redirect_to(url_for("people.invitation", user_id=person.id))
    return render("people/new.html", status=form_status(form), form=form)


@bp.get("/coordinate/people/<int:user_id>/invitation")
@requires(can_coordinate)
def invitation(user_id):
    person = _invitable_or_404(user_id)
    current = invitations.current_invitation(person.id)
    code = _code_for(current)
    sheet = None
    if code:
        # The sheet is in the newcomer's language, whatever the coordinator's.
        locale = person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        url = invitations.claim_url(code)
        with force_locale(locale):
            # Autoescaped by Jinja: already safe HTML, inserted as is into the page.
            sheet = Markup(render_template(  # noqa: S704  # nosec B704
                "people/_invitation_sheet.html", person=person, invitation=current,
                code=invitations.format_code(code), url=url, qr=qr_data_uri(url),
                address=invitations.claim_url(None), sheet_locale=locale,
                sheet_dir=text_direction(locale)))
    return render("people/invitation.html", person=person, invitation=current, sheet=sheet)


@bp.post("/coordinate/people/<int:user_id>/invitation")
@requires(can_coordinate)
def reissue_invitation(user_id):
    person = _invitable_or_404(user_id)
    location = url_for("people.invitation", user_id=person.id)
    done = perform(invitations.reissue_invitation, current_user, person.id,
                   success=_("A new invitation is ready. The earlier one no longer works."))
    if done:
        _remember_code(*done.result)
    return redirect_to(location)


@bp.route("/coordinate/people/<int:user_id>/request", methods=["GET", "POST"])
@requires(can_coordinate)
def request_for(user_id):
    person = db.session.get(User, user_id)
    if person is None or person.is_erased or not person.has_role(NEWCOMER):
        abort(404)
    data = None
    if request.method == "GET":
        data = {"languages": [{"language": s.language, "level": s.level}
                              for s in person.languages] or [{}],
                "neighbourhood": str(person.neighbourhood_id or ""),
                "preferred_contact": "email" if person.email else "phone"}
    form = RequestForForm(data=data, neighbourhood_choices=neighbourhood_choices(
        _("Choose a neighbourhood")))
    page = {"person": person, "form": form, "help_labels": HELP_LABELS,
            "help_descriptions": HELP_DESCRIPTIONS}
    if request.method == "POST" and form.add_language.data:
        form.languages.append_entry()
        return render("people/request_for.html", **page)
    if form.validate_on_submit():
        done = perform(
            invitations.request_for, current_user, person.id, form.kind.data,
            languages=form.language_skills(), target_language=form.target_language.data or None,
            needs=form.needs.data, note=form.note.data,
            neighbourhood_id=int(form.neighbourhood.data), availability=form.availability.data,
            preferred_contact=form.preferred_contact.data, form=form,
            success=_("The buddy request for %(name)s is on the matching board.",
                      name=person.name))
        if done:
            return redirect_to(url_for("people.person", user_id=person.id))
    return render("people/request_for.html", status=form_status(form), **page)


@bp.get("/coordinate/people/to-call")
@requires(can_coordinate)
def to_call():
    page = invitations.to_call(request.args.get("page", 1, type=db_int))
    return render("people/to_call.html", page=page)


# The newcomer's side -------------------------------------------------------------------


def _guess_limit():
    return (current_app.config.get("INVITE_GUESS_LIMIT")
            or current_app.config["LOGIN_ADDRESS_LIMIT"])


def _address_key():
    from ..accounts.throttle import address_key

    return address_key()


def _not_a_code(response):
    """``deduct_when``: an unknown or spent code counts against the guesser's address."""
    return response.status_code in (404, 410)


@bp.get("/invite")
def enter_code():
    form = EnterCodeForm(request.args, meta={"csrf": False})
    if "code" in request.args and form.validate():
        code = invitations.normalise_code(form.code.data)
        return redirect_to(url_for("people.claim", code=invitations.format_code(code)))
    return render("people/enter_code.html", status=form_status(form), form=form)


def _gone(error):
    return render("people/claim_gone.html", status=error.status, state=error.state,
                  message=str(error))


@bp.route("/invite/<code>", methods=["GET", "POST"])
@limiter.limit(_guess_limit, key_func=_address_key, deduct_when=_not_a_code,
               scope="invite-address")
def claim(code):
    try:
        found = invitations.usable_invitation(code)
    except InvitationGone as error:
        return _gone(error)
    person = found.user
    form = ClaimForm()
    if person.email:
        del form.email
    if request.method == "GET":
        form.version.data = notice.current_version()
        if not session.get(LANGUAGE_SESSION_KEY) and person.locale:
            # The page in the language the coordinator chose for the newcomer (the language
            # switcher still changes it).
            session[LANGUAGE_SESSION_KEY] = person.locale
            refresh()
    if form.validate_on_submit():
        done = perform(invitations.claim, code, password=form.password.data,
                       email=form.email.data if "email" in form else None,
                       agreed=form.consent.data, notice_version=form.notice_version(),
                       replacing=current_user.sign_in_token if current_user.is_authenticated
                       else None, form=form)
        if isinstance(done.error, InvitationGone):
            return _gone(done.error)  # claimed, replaced or expired while the form was open
        if done:
            from ..accounts.views import start_session
            from ..privacy.notice_views import check_consent

            user = done.result
            start_session(user)
            flash_success(_("Welcome, %(name)s! Your account is ready. Your sign-in name is "
                            "%(sign_in_name)s.", name=user.first_name,
                            sign_in_name=user.sign_in_name or user.email))
            if check_consent(user):
                flash(_("Our privacy notice changed while you were signing up. Please read "
                        "the new version and tell us whether you agree."), "warning")
            target = "matching.buddy" if user.has_role(NEWCOMER) else "main.home"
            return redirect_to(url_for(target))
    return render("people/claim.html", status=form_status(form), form=form, person=person,
                  code=invitations.format_code(invitations.normalise_code(code)))

