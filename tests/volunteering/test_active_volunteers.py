"""The dashboard's "Active volunteers" leads to a list of them: serving now, by name,
filtered by role, a page at a time, for the same few queries however many there are."""

from datetime import timedelta

from mentorship.extensions import db
from mentorship.volunteering.models import Commitment
from tests.conftest import page_text
from tests.volunteering.conftest import cold_count


def serving(app, make_user, today, name, role="mentor", status="active"):
    account = make_user("resident", name=name)
    with app.app_context():
        db.session.add(Commitment(user_id=account.id, role=role, status=status,
                                  current_role=role if status == "active" else None,
                                  start_date=today - timedelta(days=30),
                                  end_date=today + timedelta(days=150), min_months=6))
        db.session.commit()
    return account


def active_section(html):
    start = html.index('id="active"')
    return html[start:html.index("</table>", start)]


def test_active_volunteers_are_listed_by_name_and_role(client, login_as, app, make_user, today):
    serving(app, make_user, today, "Zoé Mentor")
    serving(app, make_user, today, "Adam Buddy", role="language_buddy")
    serving(app, make_user, today, "Done Already", status="completed")
    login_as("coordinator")
    dashboard = page_text(client.get("/coordinate"))
    assert 'href="/coordinate/commitments#active"' in dashboard

    listed = active_section(page_text(client.get("/coordinate/commitments")))
    assert listed.index("Adam Buddy") < listed.index("Zoé Mentor")
    assert "Done Already" not in listed
    mentors = active_section(page_text(client.get("/coordinate/commitments?role=mentor")))
    assert "Zoé Mentor" in mentors and "Adam Buddy" not in mentors
    unknown = client.get("/coordinate/commitments?role=nonsense")
    assert unknown.status_code == 200 and "Adam Buddy" in active_section(page_text(unknown))


def test_the_active_list_is_paginated_for_the_same_queries(client, login_as, app, make_user,
                                                           today):
    login_as("coordinator")
    serving(app, make_user, today, "Person 000")
    client.get("/coordinate/commitments")
    with cold_count(app) as few:
        client.get("/coordinate/commitments")
    for number in range(1, 30):
        serving(app, make_user, today, f"Person {number:03d}")
    with cold_count(app) as many:
        first = page_text(client.get("/coordinate/commitments"))
    assert many.count == few.count
    assert "Person 024" in first and "Person 025" not in first
    assert "Page 1 of 2" in first
    second = active_section(page_text(client.get("/coordinate/commitments?page=2")))
    assert "Person 025" in second and "Person 024" not in second


def test_only_coordinators_see_the_list(client, login_as):
    login_as("resident")
    assert client.get("/coordinate/commitments").status_code == 403
