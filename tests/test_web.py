"""The one path a view runs a service by (``perform``) and the one way messages reach
the person (``deliver_messages``): in the response that caused them, for HTMX and plain
requests alike."""

import pytest
from flask import Blueprint, flash, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from mentorship.audit.models import AuditEvent
from mentorship.errors import DomainError
from mentorship.extensions import db
from mentorship.web import is_htmx_fragment_request, perform, redirect_to, refusal, render

from .conftest import page_text

FRAGMENT = {"HX-Request": "true", "HX-Target": "result",
            "HX-Current-URL": "http://localhost/probe"}


class NoteForm(FlaskForm):
    class Meta:
        csrf = False

    note = StringField("Note")


def save_note(note):
    """A service: writes a row, then refuses if the note says so."""
    db.session.add(AuditEvent(action="probe.saved", record_type="probe", message=note))
    db.session.flush()
    if note == "bad-field":
        raise DomainError("That note is not allowed.", "note")
    if note == "bad":
        raise DomainError("Someone changed this first.")
    return note.upper()


@pytest.fixture
def probe_app(app):
    bp = Blueprint("probe", __name__)

    @bp.route("/probe", methods=["GET", "POST"])
    def page():
        form = NoteForm()
        if form.validate_on_submit():
            done = perform(save_note, form.note.data, form=form, success="Your note is saved.")
            if done and form.note.data == "go":
                return redirect_to(url_for("probe.page"))
        status = 422 if form.errors else 200
        if is_htmx_fragment_request() and request.htmx.target == "result":
            return f"<p id='result'>{' '.join(form.note.errors)}</p>", status
        return render("errors/error.html", status=status, code=200, title="Probe",
                      message=" ".join(form.note.errors))

    @bp.route("/probe/plain", methods=["POST"])
    def plain():
        done = perform(save_note, "bad", success="never")
        return refusal(done, url_for("probe.page")) if not done else ("", 204)

    @bp.route("/probe/fragment")
    def fragment():
        flash("Fresh news.", "success")
        return "<p id='result'>fragment</p>"

    app.register_blueprint(bp)
    return app


def rows(app):
    with app.app_context():
        return db.session.scalars(select(AuditEvent.message)).all()


def test_success_commits_and_the_message_rides_on_the_htmx_fragment(probe_app):
    client = probe_app.test_client()
    response = client.post("/probe", data={"note": "hello"}, headers=FRAGMENT)
    html = page_text(response)
    assert response.status_code == 200
    assert 'id="messages" hx-swap-oob="innerHTML"' in html
    assert html.count("Your note is saved.") == 1
    assert rows(probe_app) == ["hello"]
    # Delivered once: the next page does not show it again.
    assert "Your note is saved." not in page_text(client.get("/probe"))


def test_plain_post_shows_the_message_on_the_page_it_renders(probe_app):
    client = probe_app.test_client()
    html = page_text(client.post("/probe", data={"note": "hello"}))
    assert html.count("Your note is saved.") == 1
    assert "hx-swap-oob" not in html


def test_a_redirect_keeps_the_message_for_the_next_page(probe_app):
    client = probe_app.test_client()
    response = client.post("/probe", data={"note": "go"}, headers=FRAGMENT)
    assert response.status_code == 204 and response.headers["HX-Redirect"]
    assert "Your note is saved." not in page_text(response)
    assert "Your note is saved." in page_text(client.get("/probe"))


def test_a_boosted_request_gets_the_whole_page_with_the_message_once(probe_app):
    client = probe_app.test_client()
    html = page_text(client.post("/probe", data={"note": "hello"},
                                 headers={**FRAGMENT, "HX-Boosted": "true"}))
    assert html.count("Your note is saved.") == 1
    assert "hx-swap-oob" not in html


def test_a_refusal_about_a_field_rolls_back_and_shows_it_next_to_the_field(probe_app):
    client = probe_app.test_client()
    response = client.post("/probe", data={"note": "bad-field"}, headers=FRAGMENT)
    assert response.status_code == 422
    assert "That note is not allowed." in page_text(response)
    assert "Your note is saved." not in page_text(response)
    assert rows(probe_app) == []


def test_a_refusal_without_a_form_answers_its_status_in_the_messages_region(probe_app):
    client = probe_app.test_client()
    response = client.post("/probe/plain", headers=FRAGMENT)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "Someone changed this first." in page_text(response)
    assert rows(probe_app) == []
    # Without JavaScript: back to the page, where the message is shown.
    response = client.post("/probe/plain")
    assert response.status_code == 303
    assert "Someone changed this first." in page_text(client.get("/probe"))


def test_a_fragment_get_carries_queued_messages_too(probe_app):
    html = page_text(probe_app.test_client().get("/probe/fragment", headers=FRAGMENT))
    assert html.startswith("<p id='result'>fragment</p>")
    assert "Fresh news." in html and "hx-swap-oob" in html


def test_a_whole_page_answered_to_htmx_shows_the_message_once(probe_app):
    # No block matches the target, so the whole page renders (its layout shows them).
    html = page_text(probe_app.test_client().post(
        "/probe", data={"note": "hello"}, headers={**FRAGMENT, "HX-Target": "nowhere"}))
    assert html.count("Your note is saved.") == 1


def test_domain_error_status_follows_the_field():
    assert DomainError("x").status == 409
    assert DomainError("x", "note").status == 422
    assert DomainError("x", status=404).status == 404
    assert str(DomainError("plain words")) == "plain words"


def test_text_longer_than_its_column_is_refused_next_to_its_field(probe_app):
    from mentorship.audit.models import AuditEvent as Event

    limit = Event.__table__.c.action.type.length
    with probe_app.app_context():
        db.session.add(Event(action="x" * (limit + 1), record_type="probe"))
        with pytest.raises(DomainError) as refused:
            db.session.flush()
        db.session.rollback()
    assert refused.value.field == "action" and str(limit) in str(refused.value)


@pytest.mark.parametrize("query", ["q=%00", "q=a%0Db", "q=" + "x" * 501])
def test_unstorable_query_arguments_are_refused_before_any_view(probe_app, query):
    assert probe_app.test_client().get(f"/probe?{query}").status_code == 400


def test_nul_in_a_posted_form_is_refused_before_any_view(probe_app):
    response = probe_app.test_client().post("/probe", data={"note": "a\x00b"})
    assert response.status_code == 400
    assert rows(probe_app) == []


def test_forms_clean_control_characters_and_keep_dates_storable(app):
    from wtforms import DateField, IntegerField, StringField

    from mentorship.formtools import Form

    class Probe(Form):
        class Meta:
            csrf = False

        name = StringField()
        day = DateField()
        count = IntegerField()

    with app.test_request_context(method="POST", data={
            "name": "Ol\x1bena\x07", "day": "0001-01-01", "count": "2147483648"}):
        form = Probe()
        assert not form.validate()
        assert form.name.data == "Olena"
        assert form.day.errors and form.count.errors


@pytest.mark.parametrize("target", ["/\u3002evil.example", "/ok\r\nX: y", "//evil.example",
                                    "https://evil.example/"])
def test_next_never_leaves_the_site_or_breaks_a_header(app, target):
    from mentorship.web import safe_next

    with app.test_request_context():
        assert safe_next(target) == "/"


def test_every_form_of_the_app_cleans_its_input(app):
    """A form that skips the base would let NUL bytes and unstorable numbers through."""
    from flask_wtf import FlaskForm

    from mentorship.formtools import Form
    from mentorship.recognition.forms import perk_form_class

    with app.app_context():
        perk_form_class()  # made on demand
    seen, stack = [], list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("mentorship."):
            seen.append(cls)
    assert len(seen) > 30
    assert [cls.__qualname__ for cls in seen if not issubclass(cls, Form)] == []


def test_a_select_is_written_as_wtforms_writes_it(app):
    """formtools.SelectField writes each option once per language and set of choices:
    the same HTML as WTForms' own widget, for every value chosen (or none), with
    attributes, in each language, and WTForms' own rendering for what it does not cover."""
    import wtforms
    from wtforms.widgets import Select

    from mentorship.formtools import Form, SelectField, choices
    from mentorship.i18n import lazy_gettext as _l

    pairs = [("", _l("All roles")), ("a&b", "A & <b>"), ("c", _l("Approve")), ("1", "One")]

    class Fast(Form):
        class Meta:
            csrf = False

        pick = SelectField("Pick", choices=choices(pairs))
        number = SelectField("Number", coerce=int, choices=choices([(1, "One"), (2, "Two")]))

    for language in ("en", "fr", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            for value in ("", "a&b", "c", "zz", None):
                form = Fast(data={"pick": value, "number": 2})
                for field in (form.pick, form.number):
                    for attributes in ({}, {"required": True, "class_": "x"}):
                        assert str(field(**attributes)) == str(Select()(field, **attributes))
            assert ("Accepter" if language == "fr" else "Approve") in str(form.pick())
    assert isinstance(Fast().pick, wtforms.SelectField)


def test_every_select_of_the_app_is_the_quick_one():
    """Forms take SelectField from formtools (options written once), not from WTForms."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "mentorship"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if path.name != "formtools.py" and re.search(
                     r"^from wtforms import [^\n]*\bSelectField\b|^from wtforms import \([^)]*"
                     r"\n    SelectField,", path.read_text(), re.M)]
    assert offenders == []
