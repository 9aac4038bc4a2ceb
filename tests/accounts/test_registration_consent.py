"""Registration asks for agreement to the privacy notice the form showed, and records
which version and when; a version published while the form was open is asked for right
after sign-up instead of being recorded as agreed."""

import re
from datetime import timedelta

import pytest

from mentorship.accounts.models import RESIDENT, User
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.privacy.models import Consent
from tests.accounts.test_registration import GOOD, headers_without_cookie_values, register
from tests.conftest import page_text
from tests.privacy.test_notice import TEXTS, publish


def shown_version(client):
    """The notice version the sign-up form carries ('' when none is published)."""
    html = page_text(client.get("/register"))
    return re.search(r'<input id="version" name="version" type="hidden" value="([^"]*)">',
                     html).group(1)


def consented(app, email="elodie.martin@example.org"):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        assert user is not None  # the account exists either way
        return [c.version for c in db.session.scalars(
            db.select(Consent).where(Consent.user_id == user.id))]


def test_registration_needs_consent_and_keeps_what_was_typed(client, app, make_user):
    publish(app, make_user)
    data = {**GOOD, "version": "1"}
    del data["consent"]
    response = client.post("/register", data=data)
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="consent-errors"' in html and "Please agree to the privacy notice" in html
    assert 'value="Élodie Martin"' in html and 'value="elodie.martin@example.org"' in html.lower()
    assert 'href="/privacy"' in html
    assert 'name="version" type="hidden" value="1"' in html  # still the one first shown
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1  # the admin


def test_registration_records_the_version_shown_and_time(client, app, make_user):
    publish(app, make_user)
    publish(app, make_user, {**TEXTS, "en": "## Version two"})
    version = shown_version(client)
    assert version == "2"
    before = utcnow()
    response = client.post("/register", data={**GOOD, "version": version})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "elodie.martin@example.org"))
        [(version, accepted_at)] = [(c.version, c.accepted_at) for c in db.session.scalars(
            db.select(Consent).where(Consent.user_id == user.id))]
    assert version == 2
    assert before - timedelta(seconds=1) <= accepted_at <= utcnow() + timedelta(seconds=1)
    assert client.get("/").status_code == 200  # nothing more to agree to


def test_registration_before_any_notice_records_nothing(client, app):
    assert shown_version(client) == ""
    assert client.post("/register", data={**GOOD, "version": ""}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Consent)) == 0
    assert client.get("/").status_code == 200  # nothing to agree to


def test_a_notice_published_while_the_form_was_open_is_asked_for_not_recorded(
        client, app, make_user):
    publish(app, make_user)
    version = shown_version(client)  # the person reads version 1 and fills the form in
    publish(app, make_user, {**TEXTS, "en": "## Version two", "fr": "## Version deux"})
    response = client.post("/register", data={**GOOD, "version": version})
    # The account is made and logged in, but agrees to nothing it was not shown.
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert consented(app) == []
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy/agree?next=/"
    html = page_text(client.get("/privacy/agree?next=/"))
    assert "Thank you, Élodie Martin!" in html
    assert "Our privacy notice changed while you were signing up" in html
    assert "Version deux" in html and 'name="version" value="2"' in html  # in French
    response = client.post("/privacy/agree", data={"version": "2", "next": "/"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert consented(app) == [2]
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("version", [None, "", "abc", "1.0", "-1", "0", "2", "1 OR 1=1",
                                     "²", "9" * 40])
def test_a_missing_or_forged_version_records_no_consent(client, app, make_user, version):
    publish(app, make_user)
    data = {**GOOD}
    if version is not None:
        data["version"] = version
    response = client.post("/register", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert consented(app) == []
    assert client.get("/").headers["Location"] == "/privacy/agree?next=/"


def test_an_outdated_version_answers_alike_for_a_known_address(app, make_user, outbox):
    make_user(RESIDENT, email="taken@example.org")
    publish(app, make_user)
    publish(app, make_user, {**TEXTS, "en": "## Version two"})
    newcomer, stranger = app.test_client(), app.test_client()
    # Sending an old version must not tell which addresses have an account.
    new = register(newcomer, "10.0.0.1", email="fresh@example.org", name="Same Name",
                   version="1")
    taken = register(stranger, "10.0.0.2", email="TAKEN@example.org", name="Same Name",
                     version="1")
    assert new.status_code == taken.status_code == 303
    assert headers_without_cookie_values(new) == headers_without_cookie_values(taken)
    assert new.get_data() == taken.get_data()
    assert consented(app, "fresh@example.org") == []
