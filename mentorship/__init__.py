"""mentorship: a host-community volunteer programme for newcomers."""

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, flash, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from config import INSTANCE_DIR, load_config

from .database import configure_sqlite, is_sqlite, track_writes
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from .i18n import lazy_gettext as _l

ROOT = Path(__file__).resolve().parent.parent
NO_SETTINGS_FIRST = frozenset({None, "static", "main.health"})  # see read_settings_first


def create_app(config=None):
    """Build the app; ``config`` is a config name or object, or a dict of overrides."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    overrides = {}
    if isinstance(config, dict):
        overrides, config = config, config.get("ENV_NAME")
    app.config.from_object(load_config(config) if config is None or isinstance(config, str)
                           else config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_FIX_HOPS"):
        # Behind a reverse proxy: the client's address and scheme come from its headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import models  # noqa: F401  (every table on the metadata)
    from .web import IdConverter

    app.url_map.converters["int"] = IdConverter
    register_extensions(app)
    register_blueprints(app)
    register_templating(app)
    register_commands(app)

    from .web import register_web

    register_web(app)
    return app


def register_extensions(app):
    db.init_app(app)
    with app.app_context():
        track_writes(db.engine)
        if is_sqlite(db.engine):
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    from .mail import register_mail_events

    register_mail_events()
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from .i18n import install_template_gettext
    from .programme.languages import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from .accounts.models import signed_in_user

    @login_manager.user_loader
    def load_user(session_id):
        # The session and the remember-me cookie both name a sign-in ("<id>:<token>"):
        # only one that still exists, and is younger than the remember-me cookie, logs in.
        from flask import current_app

        return signed_in_user(session_id, current_app.config["REMEMBER_COOKIE_DURATION"])

    @login_manager.unauthorized_handler
    def unauthorized():
        from .web import redirect_to, safe_next

        if request.htmx and request.htmx.current_url:
            parts = urlsplit(request.htmx.current_url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        elif request.method == "GET":
            target = request.full_path if request.query_string else request.path
        else:
            target = urlsplit(request.referrer or "").path or None
        flash(_l("Please log in to continue."), "info")
        return redirect_to(url_for("accounts.login", next=safe_next(target)))


def register_blueprints(app):
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .awards import bp as awards_bp
    from .checkins import bp as checkins_bp
    from .coordination import bp as coordination_bp
    from .hours import bp as hours_bp
    from .main import bp as main_bp
    from .matching import bp as matching_bp
    from .messaging import bp as messaging_bp
    from .people import bp as people_bp
    from .privacy import bp as privacy_bp
    from .recognition import bp as recognition_bp
    from .reports import bp as reports_bp
    from .training import bp as training_bp
    from .volunteering import bp as volunteering_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(coordination_bp)
    app.register_blueprint(volunteering_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(hours_bp)
    app.register_blueprint(recognition_bp)
    app.register_blueprint(awards_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(messaging_bp)
    app.register_blueprint(checkins_bp)


def register_templating(app):
    from . import availability, permissions
    from .formatting import register_filters
    from .i18n import language_name, native_name, text_direction
    from .programme.services import get_settings

    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        availability_days=availability.DAYS,
        availability_parts=availability.PARTS,
        day_labels=availability.DAY_LABELS,
        part_labels=availability.PART_LABELS,
    )
    app.jinja_env.filters["language_name"] = language_name
    # Dates and times: our helpers replace Flask-Babel's filters of the same names, so
    # this must run after babel.init_app (register_extensions).
    register_filters(app)
    app.jinja_env.filters["todate"] = lambda value: date.fromisoformat(value)
    from .accounts.models import LEVEL_SHORT

    app.jinja_env.filters["level_name"] = lambda level: LEVEL_SHORT.get(level, level)
    from .matching.models import (
        CONTACT_LABELS,
        DECLINE_REASON_LABELS,
        MATCH_END_REASON_LABELS,
        NEED_LABELS,
    )
    from .matching.scoring import FIT_LABELS, FIT_THRESHOLDS, fit
    from .recognition.models import PASS_STATE_LABELS, VENUE_KIND_LABELS
    from .reports.services import METRIC_LABELS
    from .training.models import KIND_LABELS
    from .volunteering.models import (
        COMMITMENT_STATE_LABELS,
        END_REASON_LABELS,
        MINIMUM_MONTHS,
        ROLE_APPLY_LABELS,
        ROLE_NAMES,
    )

    app.jinja_env.globals.update(
        module_kind_labels=KIND_LABELS,
        metric_labels=METRIC_LABELS,
        pass_state_labels=PASS_STATE_LABELS,
        venue_kind_labels=VENUE_KIND_LABELS,
        need_labels=NEED_LABELS,
        contact_labels=CONTACT_LABELS,
        decline_reason_labels=DECLINE_REASON_LABELS,
        fit_of=fit,
        fit_labels=FIT_LABELS,
        fit_thresholds=FIT_THRESHOLDS,
        match_end_reason_labels=MATCH_END_REASON_LABELS,
        role_names=ROLE_NAMES,
        role_apply_labels=ROLE_APPLY_LABELS,
        minimum_months=MINIMUM_MONTHS,
        commitment_status_labels=COMMITMENT_STATE_LABELS,
        end_reason_labels=END_REASON_LABELS,
    )

    @app.before_request
    def read_settings_first():
        # Every page shows the settings (below). On PostgreSQL their query also reads the
        # count of changes that kept figures watch (reports/cache.py): read first, kept
        # figures cost no query of their own. SQLite's counter is free.
        # Not for /health, which must answer on a database without tables too.
        if request.endpoint not in NO_SETTINGS_FIRST and not is_sqlite():
            get_settings()

    @app.context_processor
    def inject_page_globals():
        locale = str(get_locale())
        return {
            "current_locale": locale,
            "text_direction": text_direction(locale),
            "interface_languages": [(code, native_name(code)) for code in app.config["LANGUAGES"]],
            "programme": get_settings(),
            "can": permissions.PREDICATES,
            "user": current_user,
        }


def register_commands(app):
    from .accounts.cli import users_cli
    from .demo import seed_demo_command
    from .outbox import mail_cli
    from .privacy.cli import privacy_cli
    from .reports.reminders import reminders_cli
    from .volunteering.cli import commitments_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(commitments_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(mail_cli)
