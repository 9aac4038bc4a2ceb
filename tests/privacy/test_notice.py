"""The privacy notice: versions, sanitising, who edits it, consent at registration, and
asking again at the next login after a new version."""

from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.privacy import notice
from mentorship.privacy.models import Consent, ErasureRequest, PrivacyNotice
from tests.conftest import count_queries, log_in, page_text

TEXTS = {"en": "## What we keep\n\nYour name.", "fr": "## Ce que nous gardons\n\nVotre nom.",
         "ar": "", "uk": ""}


def publish(app, make_user, texts=None, admin=None):
    """Publish a version as a new (or the given) admin; returns its number."""
    admin = admin or make_user("admin")
    with app.app_context():
        number = notice.publish_notice(db.session.get(User, admin.id), texts or TEXTS)
        db.session.commit()
    return number


def consents(app, account):
    with app.app_context():
        return [(c.version, c.accepted_at) for c in db.session.scalars(
            db.select(Consent).where(Consent.user_id == account.id).order_by(Consent.version))]


def editor_data(**changes):
    return {**{f"body_{code}": text for code, text in TEXTS.items()}, **changes}


# Versions and what a reader sees

def test_each_save_is_a_new_version_with_every_languages_text(app, make_user):
    admin = make_user("admin")
    assert publish(app, make_user, admin=admin) == 1
    assert publish(app, make_user, {**TEXTS, "en": "## Changed"}, admin=admin) == 2
    with app.app_context():
        assert notice.current_version() == 2
        assert notice.notice_texts(1) == {"en": TEXTS["en"], "fr": TEXTS["fr"]}
        assert notice.notice_texts(2) == {"en": "## Changed", "fr": TEXTS["fr"]}
        assert [v["version"] for v in notice.versions()] == [2, 1]


def test_an_unchanged_text_or_no_default_language_text_is_refused(app, make_user):
    publish(app, make_user)
    admin = make_user("admin")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        with pytest.raises(notice.NoticeError, match="Nothing changed"):
            notice.publish_notice(actor, TEXTS)
        # English is the programme's default language: the others fall back to it.
        with pytest.raises(notice.NoticeError) as refused:
            notice.publish_notice(actor, {**TEXTS, "en": "  "})
        assert refused.value.field == "body_en"
        db.session.rollback()
        assert notice.current_version() == 1


def test_privacy_page_shows_the_readers_language_or_the_default(client, app, make_user):
    publish(app, make_user)
    html = page_text(client.get("/privacy", headers={"Accept-Language": "fr"}))
    assert "Ce que nous gardons" in html and "Version 1" in html
    # No Arabic text: the default language's, marked as English for screen readers.
    html = page_text(client.get("/privacy", headers={"Accept-Language": "ar"}))
    assert '<article class="notice-content" lang="en" dir="ltr">' in html
    assert "What we keep" in html


def test_privacy_page_is_never_empty(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    assert "has not published its own notice yet" in page_text(response)
    assert "You can see and download everything we hold about you" in page_text(response)


def test_markdown_is_sanitised(client, app, login_as):
    login_as("admin")
    hostile = ("## Hello\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1))\n\n"
               '<img src="x" onerror="alert(2)">')
    response = client.post("/admin/privacy", data=editor_data(body_en=hostile))
    assert response.status_code == 303
    html = page_text(client.get("/privacy"))
    assert "<h2>Hello</h2>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "onerror" not in html


# Editing (admins only, audited)

@pytest.mark.parametrize("role", ["coordinator", "resident", "newcomer", "partner"])
def test_only_admins_edit_the_notice(client, app, login_as, role):
    login_as(role)
    assert client.get("/admin/privacy").status_code == 403
    assert client.post("/admin/privacy", data=editor_data()).status_code == 403
    with app.app_context():
        assert notice.current_version() is None


def test_logged_out_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/privacy")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_admin_publishes_and_it_is_audited(client, app, login_as):
    admin = login_as("admin")
    page = page_text(client.get("/admin"))
    assert 'href="/admin/privacy"' in page
    response = client.post("/admin/privacy", data=editor_data(), follow_redirects=True)
    html = page_text(response)
    assert "The new version of the privacy notice is published" in html
    assert 'aria-current="page">Privacy notice' in html  # the tab
    assert "Version 1 is in force." in html and "Your name." in html  # the form keeps it
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "privacy_notice.published"))
        assert event.actor_id == admin.id and event.data["version"] == 1
        assert event.data["languages"] == ["en", "fr"]


def test_bad_input_keeps_what_was_typed(client, app, login_as):
    login_as("admin")
    response = client.post("/admin/privacy", data=editor_data(body_en="", body_uk="Текст"))
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="body_en-errors"' in html and "default language" in html
    assert "Текст" in html and "Ce que nous gardons" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrivacyNotice)) == 0


# Asking again after a new version

@pytest.fixture
def agreed_resident(app, make_user):
    """A resident who agreed to version 1; returns (account, admin account)."""
    admin = make_user("admin")
    publish(app, make_user, admin=admin)
    resident = make_user("resident")
    with app.app_context():
        notice.record_consent(db.session.get(User, resident.id), 1)
        db.session.commit()
    return resident, admin


def test_up_to_date_people_are_not_asked(client, agreed_resident):
    resident, _admin = agreed_resident
    response = log_in(client, resident)
    assert "/privacy/agree" not in response.headers["Location"]
    assert client.get("/volunteer").status_code == 200


def test_a_new_version_is_asked_at_the_next_login_not_before(client, app, make_user,
                                                             agreed_resident):
    resident, admin = agreed_resident
    log_in(client, resident)
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    # Already logged in: nothing changes until the next login.
    assert client.get("/volunteer").status_code == 200
    client.post("/logout")
    response = client.post("/login?next=/hours", data={"email": resident.email,
                                                       "password": resident.password})
    assert response.headers["Location"] == "/privacy/agree?next=/hours"
    # Every other page sends there too; HTMX requests get HX-Redirect.
    response = client.get("/volunteer")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy/agree?next=/volunteer"
    response = client.get("/training", headers={"HX-Request": "true",
                                                "HX-Current-URL": "http://localhost/hours"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/privacy/agree?next=/hours"
    # The privacy pages, health, static files and logging out stay open.
    for path in ("/privacy", "/privacy/agree", "/health", "/static/css/app.css"):
        response = client.get(path)
        response.close()  # a static file is streamed
        assert response.status_code == 200, path
    assert consents(app, resident)[-1][0] == 1
    client.post("/logout")
    assert client.get("/").status_code == 200


def test_agreeing_records_consent_and_returns_to_next(client, app, make_user, agreed_resident):
    resident, admin = agreed_resident
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    log_in(client, resident)
    html = page_text(client.get("/privacy/agree?next=/hours"))
    assert "Version two" in html and "has changed since you last agreed" in html
    before = utcnow()
    response = client.post("/privacy/agree", data={"version": "2", "next": "/hours"})
    assert response.status_code == 303 and response.headers["Location"] == "/hours"
    assert consents(app, resident)[-1][0] == 2
    assert consents(app, resident)[-1][1] >= before - timedelta(seconds=1)
    assert client.get("/volunteer").status_code == 200  # free again
    # Agreed already: the page says so, and next login asks nothing.
    assert "You agreed to this version on" in page_text(client.get("/privacy/agree"))
    client.post("/logout")
    assert "/privacy/agree" not in log_in(client, resident).headers["Location"]


def test_agreeing_to_an_outdated_version_is_refused(client, app, make_user, agreed_resident):
    resident, admin = agreed_resident
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    log_in(client, resident)
    publish(app, make_user, {**TEXTS, "en": "## Version three"}, admin=admin)
    response = client.post("/privacy/agree", data={"version": "2", "next": "/hours"})
    assert response.status_code == 409
    html = page_text(response)
    assert "The notice changed while you were reading it" in html and "Version three" in html
    assert 'name="version" value="3"' in html
    assert [version for version, _at in consents(app, resident)] == [1]


def test_next_stays_on_this_site(client, app, make_user, agreed_resident):
    resident, admin = agreed_resident
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    log_in(client, resident)
    response = client.post("/privacy/agree",
                           data={"version": "2", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_remembered_session_is_asked_too(app, make_user, agreed_resident):
    resident, admin = agreed_resident
    client = app.test_client()
    log_in(client, resident, remember=True)
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    client.delete_cookie("session")  # the browser was closed; the remember-me cookie stays
    response = client.get("/volunteer")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy/agree?next=/volunteer"


def test_staff_work_on_privacy_pages_waits_for_agreement(client, app, make_user):
    """Only the notice, the agree page, my data and deleting one's account stay open: a
    person who does not agree can still see their data and ask for erasure, but staff
    cannot confirm erasures or edit the notice before agreeing."""
    admin = make_user("admin", "coordinator")
    publish(app, make_user, admin=admin)
    waiting = make_user("resident")
    with app.app_context():
        notice.record_consent(db.session.get(User, admin.id), 1)
        db.session.add(ErasureRequest(user_id=waiting.id,
                                      requested_at=utcnow() - timedelta(days=60)))
        db.session.commit()
        request_id = db.session.scalar(db.select(ErasureRequest.id))
    publish(app, make_user, {**TEXTS, "en": "## Version two"})
    assert log_in(client, admin).headers["Location"] == "/privacy/agree?next=/"
    for path in ("/coordinate/erasure-requests", f"/coordinate/erasure-requests/{request_id}",
                 "/admin/privacy"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == f"/privacy/agree?next={path}"
    response = client.post(f"/coordinate/erasure-requests/{request_id}",
                           headers={"Referer": "http://localhost/coordinate/erasure-requests"})
    assert response.headers["Location"] == "/privacy/agree?next=/coordinate/erasure-requests"
    response = client.post("/admin/privacy", data=editor_data(body_en="## Version three"))
    assert response.headers["Location"].startswith("/privacy/agree")
    with app.app_context():
        assert db.session.get(ErasureRequest, request_id).status == "requested"
        assert notice.current_version() == 2
    assert [version for version, _at in consents(app, admin)] == [1]


def test_a_person_who_has_not_agreed_can_see_their_data_and_ask_for_erasure(
        app, make_user, agreed_resident):
    resident, admin = agreed_resident
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    client = app.test_client()
    assert log_in(client, resident).headers["Location"] == "/privacy/agree?next=/"
    assert client.get("/volunteer").status_code == 303  # still asked elsewhere
    for path in ("/privacy", "/privacy/agree", "/account/my-data", "/account/my-data.json",
                 "/account/delete"):
        assert client.get(path).status_code == 200, path
    response = client.post("/account/delete", data={"password": resident.password,
                                                    "understood": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/delete"
    with app.app_context():
        asked = db.session.scalar(db.select(ErasureRequest).where(
            ErasureRequest.user_id == resident.id))
        assert asked is not None and asked.status == "requested"
    response = client.post("/account/delete/cancel")  # and changing their mind
    assert response.headers["Location"] == "/account/delete"
    with app.app_context():
        assert db.session.get(ErasureRequest, asked.id).status == "cancelled"
    assert [version for version, _at in consents(app, resident)] == [1]


def test_pages_pay_no_query_for_consent(client, app, agreed_resident):
    resident, _admin = agreed_resident
    log_in(client, resident)
    with count_queries(app) as counter:
        assert client.get("/volunteer").status_code == 200
    assert not [s for s in counter.statements if "consents" in s or "privacy_notices" in s]


# Every page links to the notice

def test_the_footer_links_to_the_notice(client, login_as):
    for path in ("/", "/login", "/register", "/impact"):
        html = page_text(client.get(path))
        assert '<a href="/privacy">Privacy</a>' in html.split('<footer')[1], path
    login_as("newcomer")
    html = page_text(client.get("/buddy"))
    assert '<a href="/privacy">Privacy</a>' in html.split('<footer')[1]


def test_agreeing_in_another_browser_frees_this_one(app, make_user, agreed_resident):
    resident, admin = agreed_resident
    publish(app, make_user, {**TEXTS, "en": "## Version two"}, admin=admin)
    here, there = app.test_client(), app.test_client()
    log_in(here, resident)
    log_in(there, resident)
    there.post("/privacy/agree", data={"version": "2", "next": "/"})
    assert here.get("/volunteer").status_code == 303  # still flagged here, until it looks
    assert "You agreed to this version on" in page_text(here.get("/privacy/agree"))
    assert here.get("/volunteer").status_code == 200


# Demo data

def test_the_demo_notice_and_consents_are_seeded_once(app):
    runner = app.test_cli_runner()

    def counted():
        with app.app_context():
            return [db.session.scalar(db.select(db.func.count()).select_from(model))
                    for model in (User, Consent, PrivacyNotice)]

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    users, agreed, texts = counted()
    assert agreed == users and texts == 4  # version 1 in en, fr, ar, uk
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counted() == [users, agreed, texts]
    client = app.test_client()
    response = client.post("/login", data={"email": "newcomer@example.org",
                                           "password": "demo-password-2026"})
    assert response.headers["Location"] == "/"  # nobody is asked on the demo
    html = page_text(client.get("/privacy"))
    assert 'lang="uk"' in html and "Ваші права" in html and "Версія 1," in html
