import threading

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching import services
from mentorship.matching.models import BuddyRequest, Match
from mentorship.volunteering import services as volunteering
from mentorship.volunteering.models import Commitment

MatchingError = services.MatchingError


def propose(app, coordinator, request_id, commitment_id, **kwargs):
    with app.app_context():
        match = services.propose(db.session.get(User, coordinator.id), request_id,
                                 commitment_id, **kwargs)
        db.session.commit()
        return match.id


def respond(app, account, match_id, accept=True, **kwargs):
    with app.app_context():
        match = services.respond(db.session.get(User, account.id), match_id, accept, **kwargs)
        db.session.commit()
        return match.status


def get(app, model, ident):
    with app.app_context():
        row = db.session.get(model, ident)
        db.session.expunge(row)
        return row


def test_one_current_request_per_kind(app, newcomer_request):
    account, _ = newcomer_request("mentor")
    with app.app_context(), pytest.raises(MatchingError, match="already asked"):
        services.create_request(db.session.get(User, account.id), "mentor", languages=[],
                                target_language=None, needs=[], note="", neighbourhood_id=None,
                                availability=[], preferred_contact="email")


def test_language_buddy_request_needs_a_target_language(app, make_user):
    account = make_user("newcomer")
    with app.app_context(), pytest.raises(MatchingError, match="want to practise"):
        services.create_request(db.session.get(User, account.id), "language_buddy",
                                languages=[("uk", "native")], target_language=None,
                                needs=["language_practice"], note="", neighbourhood_id=None,
                                availability=["mon-evening"], preferred_contact="email")


def test_suggestions_only_eligible_volunteers_best_first(app, newcomer_request,
                                                         active_volunteer, make_user):
    _, request_id = newcomer_request("mentor")
    best = active_volunteer(languages=(("ar", "native"), ("fr", "native")),
                            availability=("tue-evening", "thu-evening"), name="Best")
    good = active_volunteer(languages=(("fr", "native"),), name="Good")
    lonely = active_volunteer(languages=(("de", "native"),), place=1, name="No Language")
    active_volunteer(role="housing_helper", name="Other Role")
    active_volunteer(months_left=2, name="Ending Soon")
    with app.app_context():
        names = [c.name for c in services.suggestions(db.session.get(BuddyRequest, request_id))]
    assert names == ["Best", "Good", "No Language"]
    assert best and good and lonely


def test_full_volunteers_are_not_suggested(app, newcomer_request, active_volunteer, make_user):
    volunteer = active_volunteer(name="Full")
    coordinator = make_user("coordinator")
    for _ in range(2):  # mentor capacity is 2
        _, request_id = newcomer_request("mentor")
        propose(app, coordinator, request_id, volunteer.commitment_id)
    _, third = newcomer_request("mentor")
    with app.app_context():
        assert services.suggestions(db.session.get(BuddyRequest, third)) == []
    with pytest.raises(MatchingError, match="no free place"):
        propose(app, coordinator, third, volunteer.commitment_id)


def test_accept_from_both_sides_in_either_order(app, newcomer_request, active_volunteer,
                                                make_user, outbox):
    coordinator = make_user("coordinator")
    for first_side in ("volunteer", "newcomer"):
        newcomer, request_id = newcomer_request("mentor")
        volunteer = active_volunteer()
        match_id = propose(app, coordinator, request_id, volunteer.commitment_id)
        first, second = (volunteer, newcomer) if first_side == "volunteer" else (newcomer,
                                                                                   volunteer)
        assert respond(app, first, match_id) == "proposed"
        assert respond(app, first, match_id) == "proposed"  # a second click changes nothing
        assert respond(app, second, match_id) == "active"
        assert get(app, BuddyRequest, request_id).status == "matched"
    assert "Your buddy match has started" in outbox[-1]["Subject"]


def test_decline_from_either_side_needs_a_reason(app, newcomer_request, active_volunteer,
                                                 make_user):
    coordinator = make_user("coordinator")
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, coordinator, request_id, volunteer.commitment_id)
    with pytest.raises(MatchingError, match="reason"):
        respond(app, newcomer, match_id, accept=False, reason="")
    assert respond(app, newcomer, match_id, accept=False, reason="not_right_fit") == "declined"
    assert get(app, BuddyRequest, request_id).status == "open"
    with pytest.raises(MatchingError, match="already been answered"):
        respond(app, volunteer, match_id)
    # The volunteer's place is free again and the request can get another proposal.
    other = active_volunteer()
    match_id = propose(app, coordinator, request_id, other.commitment_id)
    assert respond(app, other, match_id, accept=False, reason="no_time") == "declined"


def test_strangers_cannot_answer(app, newcomer_request, active_volunteer, make_user):
    coordinator, stranger = make_user("coordinator"), make_user("resident")
    _, request_id = newcomer_request("mentor")
    match_id = propose(app, coordinator, request_id, active_volunteer().commitment_id)
    with pytest.raises(MatchingError, match="does not exist"):
        respond(app, stranger, match_id)


def test_override_needs_a_note(app, newcomer_request, active_volunteer, make_user):
    coordinator = make_user("coordinator")
    _, request_id = newcomer_request("mentor")
    for _ in range(10):  # ten better suggestions
        active_volunteer(languages=(("ar", "native"), ("fr", "C1")))
    volunteer = active_volunteer(languages=(("de", "native"),))
    with pytest.raises(MatchingError, match="explain in a note"):
        propose(app, coordinator, request_id, volunteer.commitment_id)
    match_id = propose(app, coordinator, request_id, volunteer.commitment_id,
                       note="Knows the family")
    match = get(app, Match, match_id)
    assert match.override_note == "Knows the family"
    assert "No language in common" in match.reasons


def test_ineligible_volunteers_cannot_be_proposed(app, newcomer_request, active_volunteer,
                                                  make_user):
    coordinator = make_user("coordinator")
    _, request_id = newcomer_request("mentor")
    with pytest.raises(MatchingError, match="does not offer"):
        propose(app, coordinator, request_id,
                active_volunteer(role="housing_helper").commitment_id)
    with pytest.raises(MatchingError, match="less than 3 months"):
        propose(app, coordinator, request_id, active_volunteer(months_left=2).commitment_id)


def test_two_coordinators_cannot_overfill_the_last_place(app, newcomer_request,
                                                        active_volunteer, make_user):
    volunteer = active_volunteer()
    coordinators = [make_user("coordinator") for _ in range(4)]
    _, first = newcomer_request("mentor")
    propose(app, coordinators[0], first, volunteer.commitment_id)  # one of two places left
    requests = [newcomer_request("mentor")[1] for _ in coordinators]
    barrier, outcomes = threading.Barrier(len(coordinators)), []

    def run(coordinator, request_id):
        barrier.wait()
        try:
            propose(app, coordinator, request_id, volunteer.commitment_id)
            outcomes.append("proposed")
        except MatchingError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=pair)
               for pair in zip(coordinators, requests, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["proposed", "refused", "refused", "refused"]
    with app.app_context():
        live = db.session.scalar(db.select(db.func.count()).select_from(Match).where(
            Match.commitment_id == volunteer.commitment_id,
            Match.status.in_(("proposed", "active"))))
    assert live == 2


def test_ending_closes_or_reopens_the_request(app, newcomer_request, active_volunteer,
                                              make_user):
    coordinator = make_user("coordinator")
    for reopen, expected in ((False, "closed"), (True, "open")):
        newcomer, request_id = newcomer_request("mentor")
        volunteer = active_volunteer()
        match_id = propose(app, coordinator, request_id, volunteer.commitment_id)
        respond(app, volunteer, match_id)
        respond(app, newcomer, match_id)
        with app.app_context():
            services.end_match(db.session.get(User, coordinator.id), match_id,
                               "ended_early" if reopen else "completed",
                               "not_right_fit" if reopen else "needs_met", reopen=reopen)
            db.session.commit()
        assert get(app, BuddyRequest, request_id).status == expected
        with app.app_context():
            actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"match.proposed", "match.accepted", "match.activated"} <= actions


def test_ending_a_commitment_with_an_active_match_must_be_explicit(app, newcomer_request,
                                                                   active_volunteer,
                                                                   make_user):
    coordinator = make_user("coordinator")
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, coordinator, request_id, volunteer.commitment_id)
    respond(app, volunteer, match_id)
    respond(app, newcomer, match_id)
    with app.app_context():
        actor = db.session.get(User, volunteer.id)
        with pytest.raises(volunteering.VolunteeringError, match="Confirm"):
            volunteering.end_early(actor, volunteer.commitment_id, "moved_away", "",
                                   programme_today())
        db.session.rollback()
        volunteering.end_early(actor, volunteer.commitment_id, "moved_away", "",
                               programme_today(), end_matches=True)
        db.session.commit()
        assert db.session.get(Commitment, volunteer.commitment_id).status == "ended_early"
    assert get(app, Match, match_id).status == "ended_early"
    assert get(app, BuddyRequest, request_id).status == "open"


def test_cancelling_a_request_withdraws_its_proposal(app, newcomer_request, active_volunteer,
                                                     make_user):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    with app.app_context():
        services.cancel_request(db.session.get(User, newcomer.id), request_id)
        db.session.commit()
    assert get(app, Match, match_id).status == "declined"
    assert get(app, BuddyRequest, request_id).status == "cancelled"


def test_sql_prefilter_keeps_exactly_the_best(app, newcomer_request, active_volunteer):
    """The top suggestions equal a brute-force scoring of every eligible volunteer."""
    import random

    from mentorship.matching import scoring

    rng = random.Random(3)
    codes, levels = ("fr", "ar", "uk", "de", "en"), ("A2", "B1", "B2", "C1", "native")
    slots = ("mon-evening", "tue-evening", "thu-evening", "sat-morning", "sun-afternoon")
    _, request_id = newcomer_request("language_buddy", target="fr",
                                     languages=(("uk", "native"), ("ar", "B1")))
    for index in range(40):
        active_volunteer(
            role="language_buddy", name=f"V{index:02d}", place=rng.randint(0, 1),
            languages=tuple((c, rng.choice(levels)) for c in rng.sample(codes, 2)),
            availability=tuple(rng.sample(slots, rng.randint(1, 4))),
            months_left=rng.randint(3, 12))
    with app.test_request_context():
        request = db.session.get(BuddyRequest, request_id)
        today = programme_today()
        fast = [(c.name, c.score) for c in services.suggestions(request, today, limit=5)]
        everyone = services._candidates(db.session.execute(db.select(
            services.eligible_commitments(request, today).subquery())).all())
        services._load_languages(everyone)
        need = services._need(request)
        brute = sorted((scoring.score(need, c, today) for c in everyone.values()),
                       key=lambda c: (-c.score, c.name))[:5]
    assert fast == [(c.name, c.score) for c in brute]


def test_suggestions_run_a_fixed_number_of_queries(app, newcomer_request, active_volunteer):
    from tests.conftest import count_queries

    _, request_id = newcomer_request("mentor")
    active_volunteer()
    with app.test_request_context():
        request = db.session.get(BuddyRequest, request_id)
        with count_queries(app) as few:
            services.suggestions(request)
    for _ in range(25):
        active_volunteer()
    with app.test_request_context():
        request = db.session.get(BuddyRequest, request_id)
        with count_queries(app) as many:
            assert len(services.suggestions(request)) == 10
    assert many.count == few.count


def test_a_volunteer_who_declined_is_not_suggested_again(app, newcomer_request,
                                                         active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer(name="Declined Once")
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    respond(app, volunteer, match_id, accept=False, reason="no_time")
    with app.app_context():
        names = [c.name for c in services.suggestions(db.session.get(BuddyRequest, request_id))]
    assert "Declined Once" not in names


def test_capacity_follows_the_volunteer_across_a_renewal(app, newcomer_request,
                                                         active_volunteer, make_user, today=None):
    from mentorship.dates import add_months

    volunteer = active_volunteer(months_left=6)
    coordinator = make_user("coordinator")
    for _ in range(2):
        _, request_id = newcomer_request("mentor")
        propose(app, coordinator, request_id, volunteer.commitment_id)
    with app.app_context():
        today = programme_today()
        commitment = db.session.get(Commitment, volunteer.commitment_id)
        commitment.start_date, commitment.end_date = add_months(today, -7), add_months(today, -1)
        db.session.commit()
        renewed = volunteering.renew(db.session.get(User, volunteer.id), volunteer.commitment_id,
                                     today)
        db.session.commit()
        renewed_id = renewed.id
    _, third = newcomer_request("mentor")
    with pytest.raises(MatchingError, match="no free place|cannot be proposed"):
        propose(app, coordinator, third, renewed_id)


def test_a_duplicate_refused_by_the_database_keeps_the_callers_transaction(app, make_user,
                                                                           places):
    account = make_user("newcomer", name="Before")
    with app.app_context():
        user = db.session.get(User, account.id)
        user.name = "Changed in the same transaction"
        # The same kind of help asked at the same moment, which the service's check cannot
        # see yet (as if another worker inserted it between the check and the insert).
        twin = BuddyRequest(user_id=user.id, role="mentor", current_role="mentor",
                            status="open", preferred_contact="email")
        with db.session.no_autoflush:
            db.session.add(twin)
            with pytest.raises(MatchingError, match="already asked"):
                services.create_request(
                    user, "mentor", languages=[("fr", "B1")], target_language=None,
                    needs=["procedures"], note="", neighbourhood_id=places[0],
                    availability=["mon-evening"], preferred_contact="email")
        db.session.commit()
    with app.app_context():
        assert db.session.get(User, account.id).name == "Changed in the same transaction"
        assert db.session.scalar(db.select(db.func.count()).select_from(BuddyRequest)) == 1


@pytest.mark.parametrize(("preferred", "phone", "shown"), [
    ("phone", "+33 6 11 22 33 44", {"phone"}),
    ("phone", None, {"email"}),  # no number to call: the email instead
    ("email", "+33 6 11 22 33 44", {"email"}),
    ("office", "+33 6 11 22 33 44", {"office"}),  # nothing personal: the team arranges it
])
def test_contact_details_follow_the_newcomers_choice(app, newcomer_request, active_volunteer,
                                                     make_user, preferred, phone, shown):
    coordinator, stranger = make_user("coordinator"), make_user("resident")
    newcomer, request_id = newcomer_request("mentor", name="Yusuf Haddad")
    volunteer = active_volunteer(name="Claire Dubois")
    with app.app_context():
        db.session.get(BuddyRequest, request_id).preferred_contact = preferred
        db.session.get(User, newcomer.id).phone = phone
        db.session.get(User, volunteer.id).phone = "+33 7 00 00 00 01"
        db.session.commit()
    match_id = propose(app, coordinator, request_id, volunteer.commitment_id)

    def seen_by(account):
        with app.app_context():
            return services.contact_for(db.session.get(Match, match_id),
                                        db.session.get(User, account.id))

    respond(app, volunteer, match_id)
    assert seen_by(volunteer) is None and seen_by(newcomer) is None  # one yes is not enough
    respond(app, newcomer, match_id)
    to_volunteer = seen_by(volunteer)
    assert (to_volunteer.name, to_volunteer.preferred) == ("Yusuf Haddad", preferred)
    assert (to_volunteer.email, to_volunteer.phone, to_volunteer.via_office) == (
        newcomer.email if "email" in shown else None, phone if "phone" in shown else None,
        "office" in shown)
    # The newcomer gets what the volunteer shares (their email, by default), whatever the
    # newcomer chose for themselves.
    to_newcomer = seen_by(newcomer)
    assert (to_newcomer.name, to_newcomer.email, to_newcomer.phone, to_newcomer.preferred) == (
        "Claire Dubois", volunteer.email, None, None)
    assert seen_by(stranger) is None
    with app.app_context():
        services.end_match(db.session.get(User, coordinator.id), match_id, "completed",
                           "needs_met")
        db.session.commit()
    assert seen_by(volunteer) is None and seen_by(newcomer) is None


def test_a_declined_proposal_reaches_a_coordinator_who_can_act(app, newcomer_request,
                                                               active_volunteer, make_user,
                                                               outbox):
    # The proposer was disabled since: the news goes to coordinators who can log in.
    proposer = make_user("coordinator", email="proposer@example.org")
    gone = make_user("coordinator", email="gone@example.org")
    make_user("coordinator", email="here@example.org")
    newcomer, request_id = newcomer_request("mentor")
    match_id = propose(app, proposer, request_id, active_volunteer().commitment_id)
    with app.app_context():
        for account in (proposer, gone):
            db.session.get(User, account.id).is_enabled = False
        db.session.commit()
    outbox.clear()
    respond(app, newcomer, match_id, accept=False, reason="not_right_fit")
    told = {message["To"] for message in outbox}
    assert "here@example.org" in told
    assert not told & {"proposer@example.org", "gone@example.org"}
