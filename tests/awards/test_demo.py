"""The demo's announced award names its winners: their citations are reviewed and they
agreed to appear; seeding again changes nothing."""

from mentorship.accounts.models import User
from mentorship.awards.models import AwardCycle, Nomination, PublicConsent
from mentorship.dates import programme_today
from mentorship.extensions import db
from tests.conftest import page_text


def last_year(app):
    with app.app_context():
        return programme_today().year - 1


def state(app):
    with app.app_context():
        return (sorted(db.session.execute(db.select(PublicConsent.cycle_id,
                                                    PublicConsent.user_id)).tuples()),
                sorted(db.session.execute(db.select(Nomination.id, Nomination.public_citation)
                                          .where(Nomination.public_citation.is_not(None))
                                          ).tuples()))


def test_demo_winners_are_published_and_seeding_again_changes_nothing(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = state(app)
    assert first[0] and first[1]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert state(app) == first
    html = page_text(client.get(f"/awards/{last_year(app)}"))
    for name in ("Élodie Martin", "Amina Benali", "Thomas Girard"):
        assert name in html
    assert "chose not to be named" not in html
    assert "la préfecture" in html  # a reviewed citation is shown


def test_a_demo_seeded_before_the_review_is_completed_once(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    published = state(app)
    with app.app_context():  # as a demo database seeded before citations were reviewed
        db.session.execute(db.delete(PublicConsent))
        db.session.execute(db.update(Nomination).values(
            public_citation=None, reviewed_at=None, reviewed_by_id=None))
        db.session.commit()
    runner.invoke(args=["seed-demo"])
    assert state(app) == published
    # A demo winner who withdraws stays withdrawn when the demo is seeded again.
    with app.app_context():
        cycle = db.session.scalar(db.select(AwardCycle).where(AwardCycle.state == "announced"))
        amina = db.session.scalar(db.select(User).where(
            User.email == "amina.benali@example.org"))
        db.session.execute(db.delete(PublicConsent).where(
            PublicConsent.cycle_id == cycle.id, PublicConsent.user_id == amina.id))
        db.session.commit()
    runner.invoke(args=["seed-demo"])
    assert "Amina Benali" not in page_text(client.get(f"/awards/{last_year(app)}"))
