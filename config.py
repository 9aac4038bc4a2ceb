"""Configuration classes, read from environment variables.

Development keeps everything under ``instance/``: the SQLite database, a secret key
generated once, and the outbox where emails are written instead of being sent.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("MENTORSHIP_INSTANCE", BASE_DIR / "instance"))


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret_key():
    """Read the development secret key from instance/, creating it the first time."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    LANGUAGES = ("en", "fr", "ar", "uk")
    RTL_LANGUAGES = ("ar",)
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "en")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'mentorship.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))

    # Tokens live as long as the session: a form left open over lunch still submits.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Keep me logged in" lasts this long; no sign-in is accepted after it, cookie or not.
    REMEMBER_COOKIE_DURATION = timedelta(days=365)
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600))

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Set on every app: the limiter object is shared, and would keep a previous app's choice.
    RATELIMIT_ENABLED = True
    # Failed logins (accounts/throttle.py): past LOGIN_FAILURE_LIMIT for one account from
    # one address, or LOGIN_ADDRESS_LIMIT from one address, that address is refused (429);
    # past LOGIN_ACCOUNT_LIMIT for one account from all addresses, every login to it waits
    # LOGIN_SLOWDOWN_SECONDS (the owner is never refused).
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "10 per 15 minutes")
    LOGIN_ADDRESS_LIMIT = os.environ.get("LOGIN_ADDRESS_LIMIT", LOGIN_FAILURE_LIMIT)
    LOGIN_ACCOUNT_LIMIT = os.environ.get("LOGIN_ACCOUNT_LIMIT", LOGIN_FAILURE_LIMIT)
    LOGIN_SLOWDOWN_SECONDS = float(os.environ.get("LOGIN_SLOWDOWN_SECONDS", "1"))
    RESET_REQUEST_LIMIT = os.environ.get("RESET_REQUEST_LIMIT", "5 per 15 minutes")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | smtp | memory
    MAIL_OUTBOX_DIR = str(INSTANCE_DIR / "outbox")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "programme@example.org")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "20"))
    # The outbox (mentorship/outbox.py, `flask mail deliver`): a mail that fails is tried
    # again after MAIL_RETRY_SECONDS, then twice as long each time; after
    # MAIL_MAX_ATTEMPTS tries it is failed (admins see it on /admin/mail). A delivery
    # process that dies lets go of its mails after MAIL_CLAIM_SECONDS; `--forever` looks
    # for new mail every MAIL_POLL_SECONDS; sent mail is deleted after MAIL_KEEP_SENT_DAYS.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "300"))
    MAIL_CLAIM_SECONDS = int(os.environ.get("MAIL_CLAIM_SECONDS", "600"))
    MAIL_POLL_SECONDS = float(os.environ.get("MAIL_POLL_SECONDS", "5"))
    MAIL_KEEP_SENT_DAYS = int(os.environ.get("MAIL_KEEP_SENT_DAYS", "30"))
    # Deliver the mails a commit wrote right after it, in the same process (development
    # and tests: no separate `flask mail deliver` needed). Production runs the command.
    MAIL_DELIVER_AFTER_COMMIT = _env_bool("MAIL_DELIVER_AFTER_COMMIT")

    # Links in emails sent outside a web request (CLI commands, reminders) start with this.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    BASE_URL_FROM_REQUEST = False  # development only (DevelopmentConfig)
    PER_PAGE = 25
    # How many reverse proxies sit in front of the app (nginx: 1). Rate limits need the
    # real client address, which ProxyFix takes from X-Forwarded-For.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    REGISTER_LIMIT = os.environ.get("REGISTER_LIMIT", "20 per hour")
    # Sign-ups with an address that has an account email its owner at most this often.
    REGISTER_NOTICE_LIMIT = os.environ.get("REGISTER_NOTICE_LIMIT", "3 per day")
    HSTS_MAX_AGE = 0

    # Personal data (mentorship/privacy). An erasure request nobody confirmed is carried
    # out after this many days; `flask privacy purge` erases accounts nobody used for
    # INACTIVE_ACCOUNT_YEARS and removes the free-text notes of audit entries older than
    # AUDIT_NOTE_YEARS.
    ERASURE_CONFIRM_AFTER_DAYS = int(os.environ.get("ERASURE_CONFIRM_AFTER_DAYS", "30"))
    INACTIVE_ACCOUNT_YEARS = int(os.environ.get("INACTIVE_ACCOUNT_YEARS", "3"))
    AUDIT_NOTE_YEARS = int(os.environ.get("AUDIT_NOTE_YEARS", "3"))


class DevelopmentConfig(Config):
    DEBUG = _env_bool("FLASK_DEBUG")
    # On a developer's machine, without BASE_URL, links in emails sent while answering a
    # request use the address the app was opened at (another computer on the network
    # reaches it too). Production never trusts the Host header: BASE_URL is required.
    BASE_URL_FROM_REQUEST = "BASE_URL" not in os.environ
    # `make run` delivers each email as soon as its change is saved (console: printed
    # and written to instance/outbox/).
    MAIL_DELIVER_AFTER_COMMIT = _env_bool("MAIL_DELIVER_AFTER_COMMIT", True)

    def __init__(self):
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret_key()


class TestConfig(Config):
    TESTING = True
    # bandit B105: a fixed key for the test suite only; production reads SECRET_KEY.
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105  # nosec B105
    MAIL_BACKEND = "memory"
    # Tests read app.extensions["outbox"] right after a request.
    MAIL_DELIVER_AFTER_COMMIT = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Most tests post forms without a token; the CSRF tests switch it back on.
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    # Concurrency tests run many writers at once, sometimes on a busy machine.
    SQLITE_BUSY_TIMEOUT_MS = 60_000
    # Tests count slow-downs (accounts.throttle.pause) instead of waiting for them.
    LOGIN_SLOWDOWN_SECONDS = 0


# A secret key shorter than this can be guessed offline from one signed cookie.
MIN_SECRET_KEY_BYTES = 32


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    # `flask mail deliver` (cron or a systemd service) sends what the outbox holds.
    MAIL_DELIVER_AFTER_COMMIT = False
    # Browsers remember to use HTTPS only for this long (0 turns the header off).
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))

    def __init__(self):
        key = os.environ.get("SECRET_KEY", "")
        if len(key.encode()) < MIN_SECRET_KEY_BYTES:
            raise RuntimeError(
                f"SECRET_KEY is not set or shorter than {MIN_SECRET_KEY_BYTES} bytes. In "
                "production the secret key signs sessions and password-reset links; set "
                "SECRET_KEY to a long random value "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        base_url = os.environ.get("BASE_URL", "")
        if not base_url.startswith(("https://", "http://")):
            raise RuntimeError(
                "BASE_URL is not set. Links in emails (password resets, invitations, "
                "reminders) start with it; set it to the address people use, for example "
                "BASE_URL=https://volunteers.example.org."
            )
        self.SECRET_KEY = key
        self.BASE_URL = base_url.rstrip("/")


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def load_config(name=None):
    """Return a configuration object for MENTORSHIP_ENV (development by default)."""
    name = name or os.environ.get("MENTORSHIP_ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(
            f"Unknown MENTORSHIP_ENV {name!r}; use one of {', '.join(CONFIGS)}."
        ) from None
