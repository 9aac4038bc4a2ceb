"""Registration asks for agreement to the privacy notice and records which version and
when."""

from datetime import timedelta

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.privacy.models import Consent
from tests.accounts.test_registration import GOOD
from tests.conftest import page_text
from tests.privacy.test_notice import TEXTS, publish


def test_registration_needs_consent_and_keeps_what_was_typed(client, app, make_user):
    publish(app, make_user)
    data = {**GOOD}
    del data["consent"]
    response = client.post("/register", data=data)
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="consent-errors"' in html and "Please agree to the privacy notice" in html
    assert 'value="Élodie Martin"' in html and 'value="elodie.martin@example.org"' in html.lower()
    assert 'href="/privacy"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1  # the admin


def test_registration_records_the_version_and_time(client, app, make_user):
    publish(app, make_user)
    publish(app, make_user, {**TEXTS, "en": "## Version two"})
    before = utcnow()
    assert client.post("/register", data=GOOD).status_code == 303
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "elodie.martin@example.org"))
        [(version, accepted_at)] = [(c.version, c.accepted_at) for c in db.session.scalars(
            db.select(Consent).where(Consent.user_id == user.id))]
    assert version == 2
    assert before - timedelta(seconds=1) <= accepted_at <= utcnow() + timedelta(seconds=1)


def test_registration_before_any_notice_records_nothing(client, app):
    assert client.post("/register", data=GOOD).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Consent)) == 0
