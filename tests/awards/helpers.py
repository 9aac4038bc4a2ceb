"""Steps the award tests share: nominate, move the cycle on, shortlist, vote, announce,
agree to appear."""

from datetime import timedelta

from mentorship.accounts.models import User
from mentorship.awards import cycles, public, services
from mentorship.awards.models import AwardCycle
from mentorship.dates import programme_today
from mentorship.extensions import db

CITATION = "She came to every meeting, explained every form and found us a doctor nearby."


def nominate(app, nominator, cycle_id, category_id, nominee, citation=CITATION, today=None):
    with app.app_context():
        services.nominate(db.session.get(User, nominator.id), cycle_id, category_id,
                          nominee.id, citation, today or programme_today())
        db.session.commit()


def set_state(app, cycle_id, state, **dates):
    with app.app_context():
        item = db.session.get(AwardCycle, cycle_id)
        item.state = state
        for name, value in dates.items():
            setattr(item, name, value)
        db.session.commit()


def shortlisted_cycle(app, cycle, served):
    """Two shortlisted mentors: First (two nominations) and Second (nominated by the
    second juror); voting is open."""
    cycle_id, categories, jurors = cycle
    category_id = categories["mentor_of_the_year"]
    first, second = served(name="First Nominee"), served(name="Second Nominee")
    nominate(app, served(), cycle_id, category_id, first)
    nominate(app, served(), cycle_id, category_id, first)
    nominate(app, jurors[1], cycle_id, category_id, second)
    set_state(app, cycle_id, "shortlisting")
    with app.app_context():
        services.shortlist(db.session.get(User, jurors[0].id), category_id, [first.id, second.id])
        db.session.commit()
    set_state(app, cycle_id, "voting")
    return cycle_id, category_id, jurors, first, second


def vote(app, juror, category_id, nominee, score):
    with app.app_context():
        services.vote(db.session.get(User, juror.id), category_id, nominee.id, score)
        db.session.commit()


def announce(app, cycle_id, juror, today):
    """Voting closed yesterday; the winners are announced today."""
    set_state(app, cycle_id, "voting", voting_deadline=today - timedelta(days=1),
              nominations_close_on=today - timedelta(days=2),
              nominations_open_on=today - timedelta(days=9))
    with app.app_context():
        cycles.advance(db.session.get(User, juror.id), cycle_id, today)
        db.session.commit()


def agree(app, person, cycle_id, agree=True):
    """``person`` agrees to appear on the cycle's public page (or withdraws)."""
    with app.app_context():
        public.set_public_consent(db.session.get(User, person.id), cycle_id, agree)
        db.session.commit()
