"""/coordinate/people/<id>: one person's whole picture for coordinators, with the actions
they may take from there, for the same number of queries however much the person did;
an erased person is a short page and nothing else."""

import re

import pytest

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.privacy import erasure
from tests.conftest import count_queries, page_text


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else None]


def test_the_person_page_shows_every_section(client, login_as, people_rich):
    login_as("coordinator")
    volunteer, newcomer = people_rich()
    response = client.get(f"/coordinate/people/{volunteer.id}")
    assert response.status_code == 200
    html = page_text(response)
    assert "<h1>Amira Haddad</h1>" in html
    contact = section(html, "contact-heading")
    assert volunteer.email in contact and "+33 6 12 34 56 78" in contact
    assert "Their email address" in contact  # what a matched newcomer sees
    languages = section(html, "languages-heading")
    assert "Arabic (native)" in languages and "French (B2)" in languages
    volunteering = section(html, "volunteering-heading")
    assert "2 of 6 months served" in volunteering
    assert '<progress id="served-' in volunteering and 'max="6" value="2"' in volunteering
    assert "Housing helper" in volunteering and "Waiting for a decision" in volunteering
    training = section(html, "training-heading")
    assert "Welcoming newcomers" in training and "Attended" in training
    assert "Mentor · issued on" in training
    matching = section(html, "matching-heading")
    assert "As the volunteer, with" in matching and "Oleksandr Petrenko" in matching
    assert f'href="/coordinate/people/{newcomer.id}"' in matching and "Active" in matching
    hours = section(html, "hours-heading")
    assert "1 h 30" in hours and "1 entry · 0 h 30" in hours
    passes = section(html, "passes-heading")
    assert "Free entry (Musée Dauphinois) · Valid" in passes
    nominations = section(html, "nominations-heading")
    assert "Mentor of the year: " in nominations and "Oleksandr Petrenko" in nominations
    assert "choice: from Oleksandr Petrenko" in nominations
    assert "Your hours, note 0" in section(html, "emails-heading")
    audit = section(html, "audit-heading")
    assert "application.approved" in audit and "Welcome aboard" in audit
    assert "commitment.checked" in audit

    actions = section(html, "actions-heading")
    assert f'href="/coordinate/messages?group=person&amp;person_id={volunteer.id}"' in actions
    assert (f'href="/coordinate/applications/{volunteer.application_id}"' in actions
            and "Review the application as Housing helper" in actions)
    assert "/invitation" not in actions and "administration" not in actions


def test_a_newcomer_page_offers_the_newcomer_actions(client, login_as, people_rich):
    login_as("coordinator")
    volunteer, newcomer = people_rich()
    html = page_text(client.get(f"/coordinate/people/{newcomer.id}"))
    actions = section(html, "actions-heading")
    assert f'href="/coordinate/matching/requests/{volunteer.request_id}"' in actions
    assert "Propose a match (Language buddy)" in actions
    assert f'href="/coordinate/people/{newcomer.id}/request"' in actions
    assert f'href="/coordinate/people/{newcomer.id}/invitation"' in actions
    matching = section(html, "matching-heading")
    assert "Looking for a buddy" in matching and "Buddy found" in matching
    assert "As the newcomer, with" in matching and "Amira Haddad" in matching
    assert "A matched newcomer sees" not in html  # only said of volunteers


def test_admins_get_the_account_link(client, login_as, people_rich):
    login_as("admin")
    volunteer, _newcomer = people_rich()
    html = page_text(client.get(f"/coordinate/people/{volunteer.id}"))
    assert "Roles and account (administration)" in section(html, "actions-heading")
    assert f'href="/admin/people/{volunteer.id}"' in html


def test_long_sections_show_the_newest_and_count_the_rest(client, login_as, people_rich):
    login_as("coordinator")
    volunteer, _newcomer = people_rich(extra=15)
    html = page_text(client.get(f"/coordinate/people/{volunteer.id}"))
    emails = section(html, "emails-heading")
    shown = re.findall(r"Your hours, note (\d+)", emails)
    assert shown == [str(n) for n in range(10)]  # newest first, capped
    assert "And 6 more." in emails
    assert "And 6 more." in section(html, "passes-heading")
    assert "And 7 more." in section(html, "audit-heading")  # 16 checks and the approval
    assert "24 h 00" in section(html, "hours-heading")  # totals count every entry


def test_the_person_page_costs_the_same_queries_however_much_they_did(app, client, login_as,
                                                                       people_rich):
    login_as("coordinator")
    small, _ = people_rich()
    big, _ = people_rich(extra=40)
    client.get(f"/coordinate/people/{small.id}")
    with count_queries(app) as few:
        assert client.get(f"/coordinate/people/{small.id}").status_code == 200
    with count_queries(app) as many:
        assert client.get(f"/coordinate/people/{big.id}").status_code == 200
    assert many.count == few.count


def test_an_erased_person_is_a_short_page(app, client, login_as, people_rich):
    login_as("coordinator")
    volunteer, _newcomer = people_rich()
    with app.app_context():
        erasure.erase(db.session.get(User, volunteer.id))
        db.session.commit()
    html = page_text(client.get(f"/coordinate/people/{volunteer.id}"))
    assert "<h1>Erased person</h1>" in html and "This account was erased on" in html
    for gone in ("Amira", volunteer.email, "Former participant", "Contact details",
                 "Welcoming newcomers", "Musée", "Your hours", "Write to them"):
        assert gone not in html


def test_an_unknown_person_is_not_found(client, login_as):
    login_as("coordinator")
    assert client.get("/coordinate/people/999999").status_code == 404
    assert client.get("/coordinate/people/99999999999999").status_code == 404


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_see_a_person(client, login_as, make_user, role):
    other = make_user("resident", name="Somebody Else")
    login_as(role)
    response = client.get(f"/coordinate/people/{other.id}")
    assert response.status_code == 403
    assert "Somebody Else" not in page_text(response)


def test_messages_they_did_not_get_by_email_are_listed_to_pass_on(app, client, login_as,
                                                                 make_user):
    from mentorship.messaging.models import Message, MessageRecipient

    login_as("coordinator")
    newcomer = make_user("newcomer", name="Tesfaye Alemu")
    with app.app_context():
        person = db.session.get(User, newcomer.id)
        person.email = None
        told = Message(token="told", group_kind="person", default_locale="en",
                       texts={"en": {"subject": "Your appointment", "body": "Monday."}})
        emailed = Message(token="emailed", group_kind="person", default_locale="en",
                          texts={"en": {"subject": "By email", "body": "Hello."}})
        db.session.add_all([told, emailed])
        db.session.flush()
        db.session.add_all([
            MessageRecipient(message_id=told.id, user_id=person.id, locale="en", emailed=False),
            MessageRecipient(message_id=emailed.id, user_id=person.id, locale="en")])
        db.session.commit()
    html = page_text(client.get(f"/coordinate/people/{newcomer.id}"))
    listed = section(html, "emails-heading")
    assert "Messages to pass on by phone" in listed and "Your appointment" in listed
    assert "By email" not in listed
