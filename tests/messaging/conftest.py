"""A small programme whose groups were counted by hand (see ``community``)."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from mentorship.accounts.models import User, UserRole
from mentorship.database import utcnow
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from mentorship.programme.models import Neighbourhood
from mentorship.training.models import Enrollment, TrainingModule, TrainingSession
from mentorship.volunteering.models import APPROVED, Application, Commitment


@dataclass
class Community:
    """Ids of the people and records; ``names`` maps a short label to the person's id."""

    villeneuve: int = 0
    berriat: int = 0
    session: int = 0
    other_session: int = 0
    empty_session: int = 0
    match: int = 0
    names: dict = field(default_factory=dict)

    def ids(self, *labels):
        return {self.names[label] for label in labels}


@pytest.fixture
def community(app):
    """Hand-counted groups:

    - session: E1 E2 E3 enrolled (E1 French, E2 Arabic, E3 English), W1 W2 waitlisted
      (W2 has no email), C1 cancelled; O1 is enrolled in another session only;
    - active volunteers: V1 mentor in Villeneuve, V2 language buddy in Villeneuve,
      V3 language buddy in Berriat (neighbourhood from their application); not active:
      V4 waiting for training, V5 ended early, V6 past its end date, V7 disabled account;
    - newcomers: N1 open mentor request in Villeneuve, N2 open language-buddy request in
      Berriat, N3 matched (with V1: the match), N4 closed, N5 cancelled.
    """
    c = Community()

    def person(label, *roles, locale="en", email=True):
        # No password (nobody logs in as them): hashing one per person is slow.
        with app.app_context():
            user = User(name=f"{label} Person", locale=locale, password_hash="!",
                        email=f"{label.lower()}@example.org" if email else None,
                        sign_in_name=None if email else f"{label.lower()}-person")
            user.roles = [UserRole(role=role) for role in roles]
            db.session.add(user)
            db.session.commit()
            c.names[label] = user.id
        return c.names[label]

    for label, locale in (("E1", "fr"), ("E2", "ar"), ("E3", "en"), ("W1", "uk"), ("C1", "en"),
                          ("O1", "en")):
        person(label, "resident", locale=locale)
    person("W2", "resident", locale="fr", email=False)
    for label in ("V1", "V2", "V3", "V4", "V5", "V6", "V7"):
        person(label, "resident")
    for label in ("N1", "N2", "N3", "N4", "N5"):
        person(label, "newcomer", locale="ar")

    with app.app_context():
        villeneuve, berriat = Neighbourhood(name="Villeneuve"), Neighbourhood(name="Berriat")
        module = TrainingModule(title="Welcoming newcomers", summary="", content="")
        db.session.add_all([villeneuve, berriat, module])
        db.session.flush()
        starts = utcnow() + timedelta(days=3)
        sessions = [TrainingSession(module_id=module.id, starts_at=starts + timedelta(days=i),
                                    ends_at=starts + timedelta(days=i, hours=2), capacity=3)
                    for i in range(3)]
        db.session.add_all(sessions)
        db.session.flush()
        c.villeneuve, c.berriat = villeneuve.id, berriat.id
        c.session, c.other_session, c.empty_session = (s.id for s in sessions)
        for label, status in (("E1", "enrolled"), ("E2", "enrolled"), ("E3", "enrolled"),
                              ("W1", "waitlisted"), ("W2", "waitlisted"),
                              ("C1", "cancelled")):
            db.session.add(Enrollment(session_id=c.session, user_id=c.names[label],
                                      status=status))
        db.session.add(Enrollment(session_id=c.other_session, user_id=c.names["O1"]))

        today = programme_today()
        commitments = {}
        for label, role, place, status, end in (
                ("V1", "mentor", villeneuve, "active", add_months(today, 4)),
                ("V2", "language_buddy", villeneuve, "active", add_months(today, 4)),
                ("V3", "language_buddy", berriat, "active", add_months(today, 4)),
                ("V4", "language_buddy", villeneuve, "awaiting_training", add_months(today, 6)),
                ("V5", "language_buddy", villeneuve, "ended_early", add_months(today, 3)),
                ("V6", "language_buddy", villeneuve, "active", today),
                ("V7", "language_buddy", villeneuve, "active", add_months(today, 4))):
            start = add_months(end, -6)
            application = Application(user_id=c.names[label], role=role, status=APPROVED,
                                      motivation="Hi", neighbourhood_id=place.id,
                                      start_date=start, pledge_end_date=end)
            commitments[label] = Commitment(
                user_id=c.names[label], role=role, application=application, status=status,
                current_role=role if status in ("active", "awaiting_training") else None,
                start_date=start, end_date=end)
            db.session.add_all([application, commitments[label]])
        db.session.get(User, c.names["V7"]).is_enabled = False

        requests = {}
        for label, role, place, status in (
                ("N1", "mentor", villeneuve, "open"), ("N2", "language_buddy", berriat, "open"),
                ("N3", "mentor", villeneuve, "matched"), ("N4", "mentor", villeneuve, "closed"),
                ("N5", "mentor", villeneuve, "cancelled")):
            requests[label] = BuddyRequest(
                user_id=c.names[label], role=role, status=status, neighbourhood_id=place.id,
                current_role=role if status in ("open", "matched") else None)
            db.session.add(requests[label])
        db.session.flush()
        match = Match(request_id=requests["N3"].id, commitment_id=commitments["V1"].id,
                      volunteer_id=c.names["V1"], newcomer_id=c.names["N3"], status="active")
        db.session.add(match)
        db.session.commit()
        c.match = match.id
    return c


