"""How failed logins are held back, without letting a guesser lock the owner out.

- One address: LOGIN_ADDRESS_LIMIT failed logins, whatever the accounts, then that
  address is refused (429) for a while.
- One account from one address: LOGIN_FAILURE_LIMIT failures, then that pair is refused.
- One account from every address: past LOGIN_ACCOUNT_LIMIT failures, each login to the
  account waits LOGIN_SLOWDOWN_SECONDS before its password is checked. It is never
  refused, so failures from elsewhere cannot keep the owner out, while guessing from
  many addresses gets slow.

The counters live in the rate limiter's storage (Redis in production), shared by workers.
"""

from time import sleep

from flask import current_app, request
from limits import parse

from ..extensions import limiter
from .models import normalise_email


def pause(seconds):
    """Wait (tests replace this to count the slow-downs instead)."""
    sleep(seconds)


def address_key():
    return "addr:" + (request.remote_addr or "unknown")


def email_key():
    return "email:" + normalise_email(request.form.get("email"))


def account_address_key():
    return f"{email_key()}|{address_key()}"


def failed(response):
    """``deduct_when`` of the login limits: anything but a login counts as a failure."""
    return response.status_code not in (303, 204)


def within(limit, scope, key):
    """Count one event against ``limit`` (e.g. "3 per day"); False once it is used up."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(parse(limit), scope, key)


def slow_down_if_guessed():
    """Before checking a password: wait if many failures for this account came lately."""
    if not limiter.enabled:
        return
    limit = parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])
    if not limiter.limiter.test(limit, "login-account", email_key()):
        pause(current_app.config["LOGIN_SLOWDOWN_SECONDS"])


def count_failure():
    """A wrong password (or unknown address) for the account named in the form."""
    within(current_app.config["LOGIN_ACCOUNT_LIMIT"], "login-account", email_key())
