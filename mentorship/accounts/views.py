from flask import current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..i18n import LANGUAGE_SESSION_KEY
from ..i18n import gettext as _
from ..permissions import can_volunteer, is_logged_in, requires
from ..privacy import notice
from ..privacy.notice_views import check_consent
from ..programme.services import neighbourhood_choices
from ..web import (
    flash_success,
    form_status,
    perform,
    redirect_to,
    render,
    safe_next,
)
from . import bp, services, throttle
from .forms import LoginForm, ProfileForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from .models import normalise_email


def _login_limit():
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _login_address_limit():
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def _reset_limit():
    return current_app.config["RESET_REQUEST_LIMIT"]


def _fresh_session():
    """Empty the session (nothing from before a login or logout survives but the language)."""
    locale = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if locale:
        session[LANGUAGE_SESSION_KEY] = locale


def start_session(user, remember=False):
    """Log in a user just signed in (services.start_sign_in) with a fresh session (also
    used when a newcomer claims an invitation: people.signup)."""
    _fresh_session()
    login_user(user, remember=remember)


def _end_session():
    """Log this browser out: a fresh session, and the remember-me cookie is deleted."""
    _fresh_session()
    logout_user()


def _this_sign_in():
    return current_user.sign_in_token if current_user.is_authenticated else None


def _register_limit():
    return current_app.config["REGISTER_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, key_func=throttle.address_key, methods=["POST"],
               scope="register")
def register():
    if current_user.is_authenticated:
        return redirect_to(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = str(session.get(LANGUAGE_SESSION_KEY) or _current_locale())
        # The notice the page links to: the person agrees to this version, not to one
        # published while the form is open (kept as sent when the form comes back).
        form.version.data = notice.current_version()
    if form.validate_on_submit():
        done = perform(
            services.register_user,
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=form.locale.data,
            intent=form.intent.data,
            agreed=form.consent.data,
            notice_version=form.notice_version(),
            form=form,
        )
        if done:
            # The same answer when the address already had an account (then not logged in;
            # its owner got an email): the form does not tell who has an account. Worded
            # now, in this page's language, before a login could change the language.
            message = _("Thank you, %(name)s! We have sent an email to %(email)s.",
                        name=form.name.data.strip(), email=normalise_email(form.email.data))
            asked = False
            if done.result is not None:
                start_session(done.result)  # a fresh session: the message is queued after it
                # A new notice was published while the form was open (or the form did not
                # say which one it showed): no consent was recorded, and the flag sends the
                # new account to agree to the current text before anything else. The answer
                # itself stays the same redirect as for a known address.
                asked = check_consent(done.result)
            flash_success(message)
            if asked:
                flash(_("Our privacy notice changed while you were signing up. Please read "
                        "the new version and tell us whether you agree."), "warning")
            return redirect_to(url_for("main.home"))
    return render("accounts/register.html", status=form_status(form), form=form)


def _current_locale():
    from flask_babel import get_locale

    return get_locale()


@bp.route("/login", methods=["GET", "POST"])
# Refused (429): too many failures from one address, or for one account from one address.
# Failures for one account from everywhere only slow it down (throttle.py).
@limiter.limit(_login_limit, key_func=throttle.account_address_key, methods=["POST"],
               deduct_when=throttle.failed, scope="login-account-address")
@limiter.limit(_login_address_limit, key_func=throttle.address_key, methods=["POST"],
               deduct_when=throttle.failed, scope="login-address")
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(next_url)
    form = LoginForm()
    if form.validate_on_submit():
        throttle.slow_down_if_guessed()
        user = perform(services.log_in, form.email.data, form.password.data,
                       replacing=_this_sign_in()).result
        if user is not None:
            start_session(user, remember=form.remember.data)
            if check_consent(user):  # a new privacy notice since they last agreed
                return redirect_to(url_for("privacy.agree", next=next_url))
            return redirect_to(next_url)
        throttle.count_failure()
        if "@" in form.email.data:
            form.form_errors.append(
                _("This email and password do not match an account. Please check both and "
                  "try again, or reset your password.")
            )
        else:
            form.form_errors.append(
                _("This sign-in name and password do not match an account. Please check "
                  "both and try again. Forgot your password? Ask your coordinator for a new "
                  "invitation.")
            )
    return render("accounts/login.html", status=form_status(form) if request.method == "POST"
                  else 200, form=form, next_url=request.args.get("next"))


@bp.route("/logout", methods=["POST"])
def logout():
    token = _this_sign_in()
    if token:
        perform(services.end_sign_in, token)
    _end_session()
    flash_success(_("You are logged out. See you soon!"))
    return redirect_to(url_for("main.home"))


@bp.route("/account/log-out-everywhere", methods=["POST"])
@requires(is_logged_in)
def logout_everywhere():
    perform(services.end_all_sign_ins, current_user)
    _end_session()
    flash_success(_("You are now logged out on every device, this one too."))
    return redirect_to(url_for("main.home"))


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=throttle.email_key, methods=["POST"], scope="reset-account")
@limiter.limit(_reset_limit, key_func=throttle.address_key, methods=["POST"],
               scope="reset-address")
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        perform(services.send_reset_link, form.email.data)
        if form.is_sign_in_name():
            # The same answer whether the account has an email address or not.
            return render("accounts/reset_sign_in_name.html", sign_in_name=form.email.data)
        return render("accounts/reset_sent.html", email=form.email.data)
    return render("accounts/reset_request.html", status=form_status(form), form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = services.user_for_reset_token(token)
    if user is None:
        return render("accounts/reset_invalid.html", status=400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = perform(services.reset_password, user, form.password.data, form=form,
                       success=_("Your password has been changed. You can log in with it now."))
        if done:
            return redirect_to(url_for("accounts.login"))
    return render("accounts/reset_password.html", status=form_status(form), form=form)


def _profile_form(formdata=None):
    user = current_user
    form = ProfileForm(
        formdata=formdata,
        neighbourhood_choices=neighbourhood_choices(_("Choose your neighbourhood")),
        data=None if formdata else {
            "name": user.name,
            "locale": user.locale or str(_current_locale()),
            "neighbourhood": str(user.neighbourhood_id or ""),
            "phone": user.phone,
            "optional_emails": user.optional_emails,
            "public_thanks": user.public_thanks,
            "shares_contact": user.shares_contact,
            "languages": [{"language": s.language, "level": s.level} for s in user.languages]
            or [{}],
        },
    )
    if not can_volunteer(user):
        del form.shares_contact  # a volunteer's choice only
    if user.email:
        del form.email  # only an account without one adds an address here
    return form


@bp.route("/account", methods=["GET", "POST"])
@requires(is_logged_in)
def account():
    if request.method == "GET":
        return render("accounts/account.html", form=_profile_form(), **_privacy())
    form = _profile_form(request.form)
    if form.add_language.data:
        # Adding a row is not a save: show the form again with one more empty line.
        form.languages.append_entry()
        return render("accounts/account.html", form=form, **_privacy())
    if form.validate():
        locale_changed = form.locale.data != str(_current_locale())
        done = perform(
            services.update_profile,
            current_user,
            name=form.name.data,
            locale=form.locale.data,
            neighbourhood_id=int(form.neighbourhood.data) if form.neighbourhood.data else None,
            phone=form.phone.data,
            optional_emails=form.optional_emails.data,
            languages=form.language_skills(),
            public_thanks=form.public_thanks.data if can_volunteer(current_user) else None,
            shares_contact=form.shares_contact.data if "shares_contact" in form else None,
            email=form.email.data if "email" in form else None,
            form=form,
            success=_("Your profile is saved."),
        )
        if done:
            if request.htmx and not locale_changed:
                # The form swaps back in place; the confirmation rides along to #messages.
                return render("accounts/account.html", form=_profile_form(), **_privacy())
            # Without htmx, or in a new language (menus too): the whole page again.
            return redirect_to(url_for("accounts.account"))
    return render("accounts/account.html", status=form_status(form), form=form, **_privacy())


def _privacy():
    """What the account page says about the privacy notice the person agreed to."""
    from ..privacy.notice import latest_consent

    return {"consent": latest_consent(current_user)}
