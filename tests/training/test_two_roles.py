"""A volunteer with two roles (mentor and language buddy) whose training shares a module.

Done once, a module counts for every role that needs it, so /training lists it once, with
its sessions once: one Enrol button, one seat taken, one confirmation (with HTMX and
without JavaScript). Each session's row is the HTMX target of its forms: its id must be
on the page once, or htmx swaps the first copy and the one clicked stays stale.
"""

import re
from types import SimpleNamespace

import pytest

from mentorship.extensions import db
from mentorship.training.models import Certificate, Enrollment, QuizAttempt
from mentorship.training.services.sessions import seats_taken
from mentorship.volunteering.models import ACTIVE, Commitment
from tests.conftest import log_in, page_text
from tests.training.test_services import QUIZ
from tests.training.test_views import oob_messages

ROLES = ("mentor", "language_buddy")
TITLE = "Welcoming newcomers"


@pytest.fixture
def two_roles(app, client, volunteer, make_module, make_session):
    """Logged in as a volunteer waiting for training in two roles that share a module."""
    module_id = make_module(TITLE, roles=ROLES)
    session_id = make_session(module_id, capacity=3)
    account = volunteer(*ROLES)
    log_in(client, account)
    return SimpleNamespace(module_id=module_id, session_id=session_id, account=account)


def htmx(session_id, page="/training"):
    """The headers htmx sends when a session row's form is submitted on ``page``."""
    return {"HX-Request": "true", "HX-Target": f"session-{session_id}",
            "HX-Current-URL": f"http://localhost{page}"}


def rows(html, session_id):
    return html.count(f'id="session-{session_id}"')


def enrol_buttons(html, session_id):
    return html.count(f'action="/training/sessions/{session_id}/enrol"')


def cancel_buttons(html):
    return len(re.findall(r'action="/training/enrolments/\d+/cancel"', html))


def page_messages(html):
    """The texts in a full page's #messages region."""
    region = re.search(r'<div id="messages"[^>]*>(.*?)</div>', html, re.S)
    assert region, html
    return [m.strip() for m in re.findall(r'<p class="message[^"]*">(.*?)</p>', region.group(1),
                                          re.S)]


def swap(page, response_html, session_id):
    """What htmx does with the response: the first element with the target id is replaced
    by the row (outerHTML); the out-of-band messages go elsewhere."""
    row = response_html.split('<div id="messages"')[0]
    pattern = re.compile(rf'<li class="session" id="session-{session_id}">.*?</li>', re.S)
    assert pattern.search(page), page
    return pattern.sub(lambda _: row, page, count=1)


def seats(app, session_id):
    with app.app_context():
        return seats_taken(session_id)


def test_each_module_and_session_is_listed_once(client, two_roles):
    html = page_text(client.get("/training"))
    assert html.count(f">{TITLE}</a>") == 1
    assert rows(html, two_roles.session_id) == 1
    assert enrol_buttons(html, two_roles.session_id) == 1
    assert html.count("Next step: enrol in the session on") == 1
    # Both roles are there, and the module says it counts for both.
    assert 'id="role-mentor"' in html and 'id="role-language_buddy"' in html
    assert "Required for: Mentor and Language buddy" in html
    assert html.count("0 of 1 required module done") == 2

    html = page_text(client.get(f"/training/modules/{two_roles.module_id}"))
    assert rows(html, two_roles.session_id) == 1
    assert enrol_buttons(html, two_roles.session_id) == 1
    assert "Required for: Mentor and Language buddy" in html


def test_enrol_with_htmx_takes_one_seat_and_confirms_once(client, app, two_roles):
    sid = two_roles.session_id
    page = page_text(client.get("/training"))
    response = client.post(f"/training/sessions/{sid}/enrol", headers=htmx(sid))
    html = page_text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert rows(html, sid) == 1 and cancel_buttons(html) == 1
    assert oob_messages(html).count("You are enrolled.") == 1
    assert "1 of 3 seats taken" in html and seats(app, sid) == 1

    # The page htmx leaves: the only copy of the row now offers to cancel, nothing to enrol.
    page = swap(page, html, sid)
    assert rows(page, sid) == 1
    assert enrol_buttons(page, sid) == 0 and cancel_buttons(page) == 1

    # The next visit: registered once, the confirmation not shown again.
    html = page_text(client.get("/training"))
    assert html.count("You are registered for") == 1 and cancel_buttons(html) == 1
    assert page_messages(html) == []


def test_cancel_with_htmx_frees_the_seat_and_confirms_once(client, app, two_roles):
    sid = two_roles.session_id
    client.post(f"/training/sessions/{sid}/enrol", data={"next": "/training"})
    page = page_text(client.get("/training"))
    assert cancel_buttons(page) == 1
    with app.app_context():
        enrollment_id = db.session.scalar(db.select(Enrollment.id))
    response = client.post(f"/training/enrolments/{enrollment_id}/cancel", headers=htmx(sid))
    html = page_text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert oob_messages(html).count("Your place is cancelled.") == 1
    assert "0 of 3 seats taken" in html and seats(app, sid) == 0

    page = swap(page, html, sid)
    assert rows(page, sid) == 1
    assert enrol_buttons(page, sid) == 1 and cancel_buttons(page) == 0

    html = page_text(client.get("/training"))
    assert "You are registered for" not in html and enrol_buttons(html, sid) == 1
    assert page_messages(html) == []


def test_enrol_and_cancel_without_javascript_confirm_once(client, app, two_roles):
    sid = two_roles.session_id
    response = client.post(f"/training/sessions/{sid}/enrol", data={"next": "/training"})
    assert response.status_code == 303 and response.headers["Location"] == "/training"
    html = page_text(client.get("/training"))
    assert page_messages(html) == ["You are enrolled."]
    assert html.count("You are registered for") == 1
    assert rows(html, sid) == 1 and cancel_buttons(html) == 1
    assert enrol_buttons(html, sid) == 0 and seats(app, sid) == 1

    with app.app_context():
        enrollment_id = db.session.scalar(db.select(Enrollment.id))
    response = client.post(f"/training/enrolments/{enrollment_id}/cancel",
                           data={"next": "/training"})
    assert response.status_code == 303 and response.headers["Location"] == "/training"
    html = page_text(client.get("/training"))
    assert page_messages(html) == ["Your place is cancelled."]
    assert "You are registered for" not in html
    assert rows(html, sid) == 1 and enrol_buttons(html, sid) == 1
    assert cancel_buttons(html) == 0 and seats(app, sid) == 0


def test_a_row_swapped_on_the_module_page_brings_you_back_there(client, two_roles):
    sid, page = two_roles.session_id, f"/training/modules/{two_roles.module_id}"
    html = page_text(client.get(page))
    assert f'name="next" value="{page}"' in html
    html = page_text(client.post(f"/training/sessions/{sid}/enrol", headers=htmx(sid, page)))
    assert f'name="next" value="{page}"' in html


def test_a_module_done_once_counts_for_both_roles(client, app, volunteer, make_module):
    module_id = make_module("Online", roles=ROLES, kind="online", quiz=QUIZ)
    account = volunteer(*ROLES)
    log_in(client, account)
    response = client.post(f"/training/modules/{module_id}/quiz", data={"q0": "1", "q1": "0"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(QuizAttempt.id))) == 1
        assert sorted(db.session.scalars(db.select(Certificate.role).filter_by(
            user_id=account.id))) == sorted(ROLES)
        assert {c.status for c in db.session.scalars(db.select(Commitment).filter_by(
            user_id=account.id))} == {ACTIVE}
    html = page_text(client.get("/training"))
    assert html.count(">Online</a>") == 1 and html.count("Done on") == 1
    assert html.count("Take the quiz") == 0
    assert html.count("Training complete: your certificate is ready.") == 2


def test_a_module_required_for_one_role_and_optional_for_the_other(client, volunteer,
                                                                   make_module):
    make_module("Shared", roles=("mentor",), optional=("language_buddy",))
    make_module("Conversation", roles=("language_buddy",))
    log_in(client, volunteer(*ROLES))
    html = page_text(client.get("/training"))
    assert html.count(">Shared</a>") == 1 and html.count(">Conversation</a>") == 1
    assert "Required for: Mentor · Optional for: Language buddy" in html
    assert "Required for: Language buddy" in html
    # Each role counts its own required modules: one each.
    assert html.count("0 of 1 required module done") == 2


def test_one_role_is_not_told_which_role_a_module_is_for(client, volunteer, make_module):
    make_module("Shared", roles=ROLES)
    log_in(client, volunteer("mentor"))
    html = page_text(client.get("/training"))
    assert html.count(">Shared</a>") == 1 and "Required for:" not in html
