"""The account page's privacy part: links to my data, deletion and the notice, and the
volunteer's choice of what a matched newcomer sees (users.shares_contact)."""

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.privacy import notice
from tests.accounts.test_profile import profile_data
from tests.conftest import page_text


def shares_contact(app, account):
    with app.app_context():
        return db.session.get(User, account.id).shares_contact


def test_account_page_links_to_my_data_deletion_and_the_notice(client, app, login_as):
    account = login_as("newcomer")
    with app.app_context():
        user = db.session.get(User, account.id)
        notice.publish_notice(user, {"en": "## Hello"})  # (any account may be the author)
        notice.record_consent(user, 1)
        db.session.commit()
    html = page_text(client.get("/account"))
    for href in ("/account/my-data", "/account/my-data.json", "/account/delete", "/privacy"):
        assert f'href="{href}"' in html, href
    assert "you agreed to version 1 on" in html


def test_a_volunteer_chooses_what_a_matched_newcomer_sees(client, app, login_as):
    account = login_as("resident")
    html = page_text(client.get("/account"))
    assert "What a newcomer you are matched with sees of your contact details" in html
    assert ('<input checked id="shares_contact-0" name="shares_contact" type="radio" '
            'value="email">') in html
    for label in ("My email address", "My phone number",
                  "Nothing: the newcomer reaches me through the coordinator"):
        assert label in html
    response = client.post("/account", data=profile_data(shares_contact="phone"))
    assert response.status_code == 303
    assert shares_contact(app, account) == "phone"
    # A form sent without the choice (an older page) keeps it.
    assert client.post("/account", data=profile_data()).status_code == 303
    assert shares_contact(app, account) == "phone"


def test_an_unknown_choice_is_refused_and_everything_kept(client, app, login_as):
    account = login_as("resident")
    response = client.post("/account", data=profile_data(shares_contact="everyone"))
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="shares_contact-errors"' in html and 'value="Amina Benali"' in html
    assert shares_contact(app, account) == "email"


def test_newcomers_are_not_asked_and_cannot_set_it(client, app, login_as):
    account = login_as("newcomer")
    assert 'name="shares_contact"' not in page_text(client.get("/account"))
    assert client.post("/account", data=profile_data(shares_contact="office")).status_code == 303
    assert shares_contact(app, account) == "email"
