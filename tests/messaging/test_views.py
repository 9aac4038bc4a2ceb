"""The compose page: preselection, preview, send once, refusals, permissions, the sent list."""

import re
import threading

import pytest
from sqlalchemy import func, select

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.messaging.models import Message, MessageRecipient
from tests.conftest import count_queries, log_in, page_text

HTMX = {"HX-Request": "true", "HX-Target": "compose",
        "HX-Current-URL": "http://localhost/coordinate/messages"}


def form(community, **overrides):
    data = {"token": "token-1", "group": "session_enrolled",
            "session_id": str(community.session), "role": "", "neighbourhood_id": "",
            "kind": "operational", "subject_en": "Training on Thursday",
            "body_en": "See you at 6 pm.\r\n\r\nBring <a pen>.", "subject_fr": "",
            "body_fr": "", "subject_ar": "", "body_ar": "", "subject_uk": "", "body_uk": ""}
    data.update(overrides)
    return data


def messages_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def test_a_link_preselects_the_group(client, login_as, community):
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/messages?session_id={community.session}"))
    assert re.search(r'<option selected value="session_enrolled">', html)
    assert re.search(rf'<option selected value="{community.session}">', html)
    html = page_text(client.get(f"/coordinate/messages?person_id={community.names['E2']}"))
    assert re.search(r'<option selected value="person">', html)
    assert "E2 Person" in html
    assert f'name="person_id" type="hidden" value="{community.names["E2"]}"' in html


def test_the_preview_counts_names_and_shows_the_message(client, login_as, community, outbox):
    login_as("coordinator")
    response = client.post("/coordinate/messages", data=form(
        community, group="session_waitlisted", subject_uk="Навчання", body_uk="До четверга"))
    html = page_text(response)
    assert response.status_code == 200
    assert "2 people will get this message." in html
    assert "1 by email." in html
    # W1 reads Ukrainian, W2 (French, not written) the programme's English.
    assert "Ukrainian: 1 person" in html and "English: 1 person" in html
    assert "To call" in html and "W2 Person" in html
    assert "Send to 2 people" in html
    assert "Bring &lt;a pen&gt;." in html  # the text as typed, never as HTML
    assert outbox == [] and messages_count(client.application) == 0


def test_sending_twice_sends_once(client, login_as, community, outbox):
    login_as("coordinator")
    data = form(community, send="y")
    first = client.post("/coordinate/messages", data=data)
    second = client.post("/coordinate/messages", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert messages_count(client.application) == 1
    assert len(outbox) == 3
    page = page_text(client.get(second.headers["Location"]))
    assert "This message was already sent. Nothing more was sent." in page
    assert "Training on Thursday" in page and "E1 Person" in page
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(MessageRecipient)) == 3


def test_htmx_preview_swaps_the_form_and_send_redirects(client, login_as, community, outbox):
    login_as("coordinator")
    response = client.post("/coordinate/messages", data=form(community), headers=HTMX)
    html = page_text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="compose"') and "<h1>" not in html
    assert "Send to 3 people" in html
    response = client.post("/coordinate/messages", data=form(community, send="y"),
                           headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/coordinate/messages/")
    assert len(outbox) == 3


def test_an_empty_group_is_refused_next_to_the_group(client, login_as, community, outbox):
    login_as("coordinator")
    for action in ("preview", "send"):
        response = client.post("/coordinate/messages", data=form(
            community, session_id=str(community.empty_session), **{action: "y"}))
        html = page_text(response)
        assert response.status_code == 422
        errors = html[html.index('id="group-errors"'):][:300]
        assert "Nobody in this group can receive a message" in errors
        assert "Bring &lt;a pen&gt;." in html and 'value="Training on Thursday"' in html
    assert outbox == [] and messages_count(client.application) == 0


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"body_en": ""}, "body_en", "Please write the message that goes with this subject."),
    ({"subject_en": "", "body_en": "", "subject_fr": "Sujet", "body_fr": "Texte"}, "body_en",
     "the programme&#39;s language"),
    ({"group": ""}, "group", "Please choose who the message is for."),
    ({"group": "person"}, "group", "Please open the person&#39;s page"),
])
def test_refusals_keep_what_was_typed(client, login_as, community, outbox, overrides, field,
                                      message):
    login_as("coordinator")
    response = client.post("/coordinate/messages", data=form(community, send="y", **overrides))
    html = page_text(response)
    assert response.status_code == 422
    assert message in html[html.index(f'id="{field}-errors"'):][:400]
    kept = overrides.get("body_fr") or overrides.get("subject_en", "Training on Thursday")
    if kept:
        assert kept in html
    assert outbox == [] and messages_count(client.application) == 0


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_write(client, login_as, community, outbox, role):
    login_as(role)
    assert client.get("/coordinate/messages").status_code == 403
    assert client.post("/coordinate/messages", data=form(community, send="y")).status_code == 403
    assert outbox == [] and messages_count(client.application) == 0


def test_admins_write_too(client, login_as, community):
    login_as("admin")
    assert client.get("/coordinate/messages").status_code == 200


def test_the_sent_message_page_lists_who_got_it(client, login_as, community):
    login_as("coordinator")
    location = client.post("/coordinate/messages", data=form(
        community, group="session_waitlisted", send="y")).headers["Location"]
    html = page_text(client.get(location))
    assert "W1 Person" in html and "W2 Person" in html
    assert "To call" in html and "By email" in html
    assert "Waiting list of “Welcoming newcomers”" in html


def test_the_html_email_escapes_the_text(client, login_as, community, outbox):
    login_as("coordinator")
    client.post("/coordinate/messages", data=form(community, send="y"))
    html = outbox[0].get_body(("html",)).get_content()
    assert "Bring &lt;a pen&gt;." in html and "<a pen>" not in html
    assert "<p>See you at 6 pm.</p>" in html


def _send_many(app, community, count, first=0):
    with app.app_context():
        for number in range(first, first + count):
            sender = User(name=f"Sender {number}", email=f"sender{number}@example.org",
                          password_hash="!")
            db.session.add(sender)
            db.session.flush()
            db.session.add(Message(
                token=f"many-{number}", sender_id=sender.id, group_kind="volunteers",
                group_params={}, group_names={"neighbourhood": "Villeneuve"},
                texts={"en": {"subject": f"Note {number}", "body": "Hello"}},
                default_locale="en", recipient_count=3, emailed_count=2))
        db.session.commit()


def test_the_sent_list_runs_a_fixed_number_of_queries(app, client, login_as, community):
    login_as("coordinator")
    _send_many(app, community, 2)
    client.get("/coordinate/messages")
    with count_queries(app) as few:
        html = page_text(client.get("/coordinate/messages"))
    assert "Note 1" in html and "1 to call" in html
    _send_many(app, community, 25, first=2)
    with count_queries(app) as many:
        html = page_text(client.get("/coordinate/messages"))
    assert "Note 26" in html and "Page 1 of 2" in html
    assert many.count == few.count, many.statements


def test_two_posts_at_the_same_moment_send_once(app, client, login_as, community, outbox):
    account = login_as("coordinator")
    other = app.test_client()
    log_in(other, account)
    barrier = threading.Barrier(2)
    answers = []

    def post(browser):
        barrier.wait()
        answers.append(browser.post("/coordinate/messages", data=form(community, send="y")))

    threads = [threading.Thread(target=post, args=(browser,)) for browser in (client, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert messages_count(app) == 1 and len(outbox) == 3


def test_a_match_link_preselects_its_two_people(client, login_as, community):
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/messages?group=match&match_id={community.match}"))
    assert re.search(r'<option selected value="match">', html)
    assert "V1 Person and N3 Person (their match)" in html
    response = client.post("/coordinate/messages", data=form(
        community, group="match", match_id=str(community.match), session_id=""))
    assert "2 people will get this message." in page_text(response)


def test_an_invalid_htmx_send_answers_422_with_the_form(client, login_as, community):
    login_as("coordinator")
    response = client.post("/coordinate/messages", headers=HTMX, data=form(
        community, send="y", session_id=str(community.empty_session)))
    html = page_text(response)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="compose"')
    assert "Nobody in this group can receive a message" in html
