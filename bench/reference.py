"""The reference page of the performance budget (issue 17).

    .venv/bin/python bench/reference.py --build PATH    # create the SQLite file
    REFERENCE_DATABASE=PATH gunicorn -w 2 -b 127.0.0.1:8002 bench.reference:app

A tiny app on the same stack as mentorship (Flask, Flask-SQLAlchemy, Flask-Login,
Flask-WTF's CSRFProtect, Flask-Babel, htmx-flask, Jinja templates with autoescape), doing
what an ordinary logged-in list page does, neither slower nor faster on purpose:
the session cookie names a user loaded from the database on each request, the base
template has a navigation, a language form and a POST logout form with a CSRF token, and
``/items`` shows page 1 of 200 (50 rows of 10,000, ordered by an indexed column, with a
count for the pager), dates formatted by Babel, strings through gettext.

Log in: GET /login, read csrf_token, POST email, password and csrf_token
(``reference@example.org`` / ``reference-password-2026``).
"""

import argparse
import os
import random
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import Babel, format_date, get_locale
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from jinja2 import DictLoader
from sqlalchemy import Date, ForeignKey, Integer, String, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

EMAIL = "reference@example.org"
PASSWORD = "reference-password-2026"  # noqa: S105
ROWS = 10_000
PER_PAGE = 50


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self):
        return str(self.id)


class Category(db.Model):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class Item(db.Model):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    owner: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in")


TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="{{ locale }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{% endblock %} · {{ _("Reference") }}</title>
  <link rel="stylesheet" href="{{ url_for('static', filename='app.css') }}">
  <script src="{{ url_for('static', filename='htmx.min.js') }}" defer></script>
</head>
<body hx-headers='{"X-CSRFToken": "{{ csrf_token() }}"}'>
  <a class="skip-link" href="#content">{{ _("Skip to main content") }}</a>
  <header class="site-header">
    <a class="brand" href="{{ url_for('home') }}">{{ _("Reference") }}</a>
    <form method="post" action="{{ url_for('home') }}">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
      <label for="language">{{ _("Language") }}</label>
      <select id="language" name="language">
        {% for code in ("en", "fr", "ar", "uk") %}
        <option value="{{ code }}"{% if code == locale %} selected{% endif %}>{{ code }}</option>
        {% endfor %}
      </select>
      <button type="submit">{{ _("Change") }}</button>
    </form>
    <nav aria-label="{{ _('Main') }}">
      <ul>
        <li><a href="{{ url_for('home') }}">{{ _("Home") }}</a></li>
        {% if current_user.is_authenticated %}
        <li><a href="{{ url_for('items') }}"
               {%- if request.endpoint == 'items' %} aria-current="page"{% endif %}>
            {{- _("Items") }}</a></li>
        <li>{{ current_user.name }}</li>
        <li>
          <form method="post" action="{{ url_for('logout') }}">
            <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
            <button type="submit">{{ _("Log out") }}</button>
          </form>
        </li>
        {% else %}
        <li><a href="{{ url_for('login') }}">{{ _("Log in") }}</a></li>
        {% endif %}
      </ul>
    </nav>
  </header>
  <main id="content" tabindex="-1">
    {% block content %}{% endblock %}
  </main>
  <footer class="site-footer"><p>{{ _("Reference page of the performance budget") }}</p></footer>
</body>
</html>
""",
    "login.html": """{% extends "base.html" %}
{% block title %}{{ _("Log in") }}{% endblock %}
{% block content %}
<h1>{{ _("Log in") }}</h1>
<form method="post" action="{{ url_for('login') }}">
  {{ form.csrf_token }}
  <p>{{ form.email.label }} {{ form.email(autocomplete="email") }}</p>
  <p>{{ form.password.label }} {{ form.password(autocomplete="current-password") }}</p>
  <p>{{ form.remember() }} {{ form.remember.label }}</p>
  {% if error %}<p role="alert">{{ error }}</p>{% endif %}
  <button type="submit">{{ _("Log in") }}</button>
</form>
{% endblock %}
""",
    "home.html": """{% extends "base.html" %}
{% block title %}{{ _("Home") }}{% endblock %}
{% block content %}<h1>{{ _("Home") }}</h1>{% endblock %}
""",
    "items.html": """{% extends "base.html" %}
{% block title %}{{ _("Items") }}{% endblock %}
{% block content %}
<h1>{{ _("Items") }}</h1>
<div id="items">
<table>
  <caption>{{ _("Page %(page)s of %(pages)s", page=page, pages=pages) }}</caption>
  <thead><tr>
    <th scope="col">{{ _("Date") }}</th><th scope="col">{{ _("Title") }}</th>
    <th scope="col">{{ _("Owner") }}</th><th scope="col">{{ _("Category") }}</th>
    <th scope="col">{{ _("Minutes") }}</th><th scope="col">{{ _("Status") }}</th>
  </tr></thead>
  <tbody>
  {% for item in rows %}
    <tr>
      <td>{{ format_date(item.day) }}</td>
      <td><a href="{{ url_for('items', page=page, item=item.id) }}">{{ item.title }}</a></td>
      <td>{{ item.owner }}</td>
      <td>{{ item.category.name }}</td>
      <td>{{ item.minutes }}</td>
      <td>{{ _(item.status) }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
<nav aria-label="{{ _('Pages') }}">
  {% if page > 1 %}{% set url = url_for('items', page=page - 1) %}
  <a href="{{ url }}" hx-get="{{ url }}" hx-target="#items" hx-select="#items">
    {{- _("Previous") }}</a>{% endif %}
  {% if page < pages %}{% set url = url_for('items', page=page + 1) %}
  <a href="{{ url }}" hx-get="{{ url }}" hx-target="#items" hx-select="#items">
    {{- _("Next") }}</a>{% endif %}
</nav>
</div>
{% endblock %}
""",
}


def database_path():
    return os.environ.get("REFERENCE_DATABASE") or str(
        Path(tempfile.gettempdir()) / "mentorship-bench-reference.sqlite3")


def configure_sqlite(engine):
    """The same connection settings as mentorship/database.py (WAL, foreign keys, …)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def create_app(path=None):
    app = Flask(__name__)  # static files: bench/static (none; the links are what counts)
    app.config.update(
        SECRET_KEY=os.environ.get("REFERENCE_SECRET_KEY", "reference-" + "k" * 40),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path or database_path()}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.jinja_loader = DictLoader(TEMPLATES)  # names end in .html: autoescaped
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=lambda: request.accept_languages.best_match(
        ["en", "fr", "ar", "uk"]) or "en")
    login_manager.init_app(app)
    login_manager.login_view = "login"
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))

    @app.context_processor
    def page_globals():
        return {"locale": str(get_locale()), "format_date": format_date}

    @app.route("/", methods=["GET", "POST"])
    def home():
        return render_template("home.html")

    @app.route("/health")
    def health():
        db.session.execute(select(1))
        return {"status": "ok"}

    @app.route("/login", methods=["GET", "POST"])
    def login():
        form = LoginForm()
        error = None
        if form.validate_on_submit():
            user = db.session.scalar(select(User).where(User.email == form.email.data))
            if user and check_password_hash(user.password_hash, form.password.data):
                login_user(user, remember=form.remember.data)
                return redirect(url_for("items"))
            error = _("This email and password do not match an account.")
        return render_template("login.html", form=form, error=error)

    @app.route("/logout", methods=["POST"])
    def logout():
        logout_user()
        return redirect(url_for("home"))

    @app.route("/items")
    @login_required
    def items():
        page = max(1, request.args.get("page", 1, type=int))
        total = db.session.scalar(select(func.count()).select_from(Item))
        pages = max(1, -(-total // PER_PAGE))
        rows = db.session.scalars(
            select(Item).order_by(Item.day.desc(), Item.id.desc())
            .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
        return render_template("items.html", rows=rows, page=page, pages=pages,
                               user=current_user)

    return app


def build(path, rows=ROWS, seed=17):
    """Create the reference database: one user, 12 categories, ``rows`` items."""
    Path(path).unlink(missing_ok=True)
    app = create_app(path)
    rng = random.Random(seed)
    today = date(2026, 12, 1)
    with app.app_context():
        db.create_all()
        db.session.add(User(email=EMAIL, name="Reference user",
                            password_hash=generate_password_hash(PASSWORD)))
        db.session.add_all(Category(name=f"Category {n}") for n in range(1, 13))
        db.session.flush()
        db.session.execute(db.insert(Item), [
            {"title": f"Item {n} <{rng.choice(('a', 'b', 'c'))}> & more",
             "owner": rng.choice(("Amira Haddad", "Jean Dupont", "Olena Kovalenko",
                                  "Zoë Müller")),
             "status": rng.choice(("pending", "approved", "rejected")),
             "minutes": rng.choice((30, 60, 90, 120)),
             "day": today - timedelta(days=rng.randint(0, 5 * 365)),
             "category_id": rng.randint(1, 12)} for n in range(rows)])
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return path


def _lazy_app():
    path = database_path()
    if not Path(path).exists():
        build(path)
    return create_app(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", metavar="PATH", help="create the SQLite file at PATH")
    args = parser.parse_args()
    started = datetime.now()
    print("reference database:", build(args.build or database_path()),
          f"({(datetime.now() - started).total_seconds():.1f} s)", file=sys.stderr)
else:
    app = _lazy_app()
