"""What the award publishes: citations a coordinator reviewed, and only the nominees who
opted in (and may withdraw at any time, even after the announcement)."""

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.awards import public, services
from mentorship.awards.models import AwardCycle, Nomination, PublicConsent
from mentorship.extensions import db
from tests.awards.helpers import (
    CITATION,
    agree,
    announce,
    nominate,
    set_state,
    shortlisted_cycle,
    vote,
)
from tests.conftest import count_queries, log_in, page_text

LONG = ("Élodie came with me to the town hall three times and explained every form. "
        "She found a school for my daughter, a doctor who speaks Tigrinya, and a "
        "football club for my son. She never missed a meeting, even in the snow, and "
        "she always listened before she advised. THE-END-OF-THE-TEXT")
EDITED = "Élodie helped a family settle in: papers, school and a doctor. Thank you!"


def htmx(target, url="http://localhost/"):
    return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": url}


def nominations_of(app, nominee):
    with app.app_context():
        return db.session.scalars(db.select(Nomination).where(
            Nomination.nominee_id == nominee.id).order_by(Nomination.id)).all()


def _year(app, cycle_id):
    with app.app_context():
        return db.session.get(AwardCycle, cycle_id).year


def review(client, nomination, text):
    return client.post(f"/coordinate/awards/nominations/{nomination.id}/review",
                       data={f"review-{nomination.id}-public_citation": text})


@pytest.fixture
def announced(app, cycle, served, today):
    """Announced: First won (two nominations, one with a long citation); Second was
    shortlisted (nominated by the second juror). Neither agreed to appear yet."""
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    with app.app_context():
        row = db.session.scalars(db.select(Nomination).where(
            Nomination.nominee_id == first.id).order_by(Nomination.id)).first()
        row.citation = LONG
        db.session.commit()
    vote(app, jurors[0], category_id, first, 5)
    vote(app, jurors[0], category_id, second, 3)
    announce(app, cycle_id, jurors[0], today)
    return cycle_id, category_id, jurors, first, second


# Opt-in ------------------------------------------------------------------------------


def test_only_nominees_who_opted_in_are_named_and_they_can_withdraw_after_the_announcement(
        app, client, announced, today):
    cycle_id, _, _, first, second = announced
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "First Nominee" not in html and "Second Nominee" not in html
    assert "The winner of this category chose not to be named." in html

    log_in(client, second)
    response = client.post(f"/awards/{today.year}/consent", data={"public": "yes"})
    assert response.status_code == 303
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "Second Nominee" in html and "First Nominee" not in html
    assert "The winner of this category chose not to be named." in html

    log_in(client, first)
    client.post(f"/awards/{today.year}/consent", data={"public": "yes"})
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "First Nominee" in html and "chose not to be named" not in html

    # Withdrawn after the announcement: dropped at once; withdrawing again is fine.
    for _ in range(2):
        response = client.post(f"/awards/{today.year}/consent", data={"public": "no"},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "Your name does not appear on the public page." in page_text(response)
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "First Nominee" not in html and "Second Nominee" in html
    assert "The winner of this category chose not to be named." in html
    with app.app_context():
        assert [e.action for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.actor_id == first.id, AuditEvent.action.like("award.public%"))
            .order_by(AuditEvent.id))] == ["award.public_consent_given",
                                           "award.public_consent_withdrawn"]


def test_a_nominee_chooses_before_the_announcement_and_the_choice_is_explained(
        app, client, cycle, served):
    cycle_id, categories, _ = cycle
    nominee = served(name="Chosen One")
    nominate(app, served(), cycle_id, categories["mentor_of_the_year"], nominee)
    log_in(client, nominee)
    html = page_text(client.get("/awards"))
    assert "Your name appears there only if you agree." in html
    assert "I agree to appear on the public page" in html
    assert "I prefer not to be considered" in html
    response = client.post(f"/awards/{_year(app, cycle_id)}/consent", data={"public": "yes"},
                           follow_redirects=True)
    assert "Remove my name from the public page" in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(PublicConsent.user_id)) == nominee.id


def test_the_choice_with_htmx_replaces_the_nominees_section(app, client, announced, today):
    _, _, _, first, _ = announced
    log_in(client, first)
    response = client.post(f"/awards/{today.year}/consent", data={"public": "yes"},
                           headers=htmx("my-award", "http://localhost/awards"))
    assert response.status_code == 200
    html = page_text(response)
    assert "<html" not in html and 'id="my-award"' in html
    assert 'data-public="yes"' in html
    assert "Thank you: your name can appear on the public page" in html  # out of band
    response = client.post(f"/awards/{today.year}/consent", data={"public": "no"},
                           headers=htmx("my-award", "http://localhost/awards"))
    assert 'data-public="no"' in page_text(response)


def test_only_nominees_may_opt_in_and_declining_withdraws(app, client, cycle, served):
    cycle_id, categories, _ = cycle
    stranger, nominee = served(name="Not Nominated"), served(name="Nominee Person")
    nominate(app, served(), cycle_id, categories["mentor_of_the_year"], nominee)
    year = _year(app, cycle_id)
    log_in(client, stranger)
    response = client.post(f"/awards/{year}/consent", data={"public": "yes"},
                           headers=htmx("my-award"))
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "Only people nominated this year choose this." in page_text(response)
    agree(app, nominee, cycle_id)
    with app.app_context():
        services.decline(db.session.get(User, nominee.id), cycle_id)
        db.session.commit()
        assert not db.session.scalar(db.select(PublicConsent.id))
    with pytest.raises(services.AwardError, match="not to be considered"):
        agree(app, nominee, cycle_id)
    assert client.post("/awards/1999/consent", data={"public": "yes"}).status_code == 404


# Citation review ---------------------------------------------------------------------


def test_the_public_page_shows_only_reviewed_text(app, client, announced, today):
    cycle_id, _, jurors, first, second = announced
    agree(app, first, cycle_id)
    agree(app, second, cycle_id)
    html = page_text(client.get(f"/awards/{today.year}"))
    # Named, but no citation is shown before a coordinator reviewed one.
    assert "First Nominee" in html and CITATION[:40] not in html and LONG[:40] not in html

    long_one = nominations_of(app, first)[0]
    log_in(client, jurors[0])
    assert review(client, long_one, LONG).status_code == 303
    html = page_text(client.get(f"/awards/{today.year}"))
    assert LONG[:40] in html and "THE-END-OF-THE-TEXT" not in html  # shortened
    assert "…" in html

    assert review(client, long_one, EDITED).status_code == 303
    html = page_text(client.get(f"/awards/{today.year}"))
    assert EDITED in html and LONG[:40] not in html


def test_a_coordinator_approves_or_edits_and_the_nominator_sees_the_published_text(
        app, client, cycle, served, make_user):
    cycle_id, categories, jurors = cycle
    nominator, nominee = served(name="The Nominator"), served(name="The Nominee")
    nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee)
    nomination = nominations_of(app, nominee)[0]
    log_in(client, nominator)
    html = page_text(client.get("/awards"))
    assert "Not reviewed yet: nothing of what you wrote is published." in html

    log_in(client, jurors[0])
    html = page_text(client.get(f"/coordinate/awards/{cycle_id}/citations"))
    assert "1 citation to review" in html and CITATION in html
    assert f'href="/coordinate/awards/{cycle_id}/citations">1<' in page_text(
        client.get("/coordinate/awards"))
    assert review(client, nomination, CITATION).status_code == 303
    with app.app_context():
        saved = db.session.get(Nomination, nomination.id)
        assert saved.public_citation == CITATION and saved.reviewed_by_id == jurors[0].id
        assert saved.reviewed_at is not None
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action.like("nomination.citation%"))).one()
        assert (event.action, event.actor_id) == ("nomination.citation_approved", jurors[0].id)
    assert "Nothing to review." in page_text(client.get(f"/coordinate/awards/{cycle_id}/citations"))

    review(client, nomination, EDITED)
    with app.app_context():
        assert db.session.get(Nomination, nomination.id).public_citation == EDITED
        event = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "nomination.citation_edited")).one()
        assert event.message == EDITED

    log_in(client, nominator)
    html = page_text(client.get("/awards"))
    assert "Reviewed by our team." in html and EDITED in html
    assert "(our team edited what you wrote)" in html

    # The nominator changes the text: it is reviewed again before anything is published.
    nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee,
             citation=CITATION + " And more.")
    with app.app_context():
        changed = db.session.get(Nomination, nomination.id)
        assert changed.public_citation is None and changed.reviewed_at is None


def test_review_errors_keep_the_text_with_and_without_htmx(app, client, cycle, served):
    cycle_id, categories, jurors = cycle
    nominee = served(name="Reviewed Person")
    nominate(app, served(), cycle_id, categories["mentor_of_the_year"], nominee)
    nomination = nominations_of(app, nominee)[0]
    log_in(client, jurors[0])
    typed = "x" * 2001
    response = review(client, nomination, typed)
    assert response.status_code == 422
    assert "At most 2000 characters." in page_text(response) and typed in page_text(response)
    response = client.post(f"/coordinate/awards/nominations/{nomination.id}/review",
                           data={f"review-{nomination.id}-public_citation": "  "},
                           headers=htmx("citations-main"))
    assert response.status_code == 422
    html = page_text(response)
    assert "<html" not in html and 'id="citations-main"' in html
    assert "Please give the text to publish." in html
    response = client.post(f"/coordinate/awards/nominations/{nomination.id}/review",
                           data={f"review-{nomination.id}-public_citation": EDITED},
                           headers=htmx("citations-main", "http://localhost/coordinate/awards"))
    assert response.status_code == 200
    html = page_text(response)
    assert "<html" not in html and "The text is approved for the public page." in html
    assert "Nothing to review." in html
    with app.app_context():
        assert db.session.get(Nomination, nomination.id).public_citation == EDITED


def test_a_coordinator_does_not_review_a_nomination_they_made(app, client, announced):
    cycle_id, _, jurors, _, second = announced
    nomination = nominations_of(app, second)[0]  # made by the second juror
    log_in(client, jurors[1])
    response = review(client, nomination, CITATION)
    assert response.status_code == 409
    assert "Another coordinator reviews" in page_text(response)
    with app.app_context():
        assert db.session.get(Nomination, nomination.id).public_citation is None


def test_the_queue_lists_shortlisted_nominees_first_and_leaves_out_those_who_declined(
        app, client, cycle, served):
    cycle_id, categories, jurors = cycle
    category_id = categories["mentor_of_the_year"]
    plain, listed = served(name="Plain Nominee"), served(name="Listed Nominee")
    gone = served(name="Declined Nominee")
    for person in (plain, listed, gone):
        nominate(app, served(), cycle_id, category_id, person)
    set_state(app, cycle_id, "shortlisting")
    with app.app_context():
        services.shortlist(db.session.get(User, jurors[0].id), category_id, [listed.id])
        services.decline(db.session.get(User, gone.id), cycle_id)
        db.session.commit()
        to_review, reviewed = public.citations(db.session.get(AwardCycle, cycle_id))
        assert [n.nominee.name for n in to_review] == ["Listed Nominee", "Plain Nominee"]
        assert reviewed == [] and public.waiting_counts() == {cycle_id: 2}
    log_in(client, jurors[0])
    html = page_text(client.get(f"/coordinate/awards/{cycle_id}/citations"))
    assert html.index("Listed Nominee") < html.index("Plain Nominee")
    assert "Declined Nominee" not in html


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_citation_review_refuses_others(app, client, login_as, role, cycle, served):
    cycle_id, categories, _ = cycle
    nominee = served()
    nominate(app, served(), cycle_id, categories["mentor_of_the_year"], nominee)
    nomination = nominations_of(app, nominee)[0]
    login_as(role)
    assert client.get(f"/coordinate/awards/{cycle_id}/citations").status_code == 403
    assert review(client, nomination, EDITED).status_code == 403
    assert client.post(f"/coordinate/awards/nominations/{nomination.id}/review",
                       data={f"review-{nomination.id}-public_citation": EDITED},
                       headers=htmx("citations-main")).status_code == 403
    with app.app_context():
        assert db.session.get(Nomination, nomination.id).public_citation is None


def test_the_public_page_does_not_grow_queries_with_people(app, client, announced, today):
    cycle_id, _, _, first, second = announced
    agree(app, first, cycle_id)
    with count_queries(app) as one:
        client.get(f"/awards/{today.year}")
    agree(app, second, cycle_id)
    with count_queries(app) as two:
        client.get(f"/awards/{today.year}")
    assert two.count == one.count
