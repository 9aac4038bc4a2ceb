import threading
from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.volunteering import services
from mentorship.volunteering.models import (
    ACTIVE,
    APPROVED,
    AWAITING_TRAINING,
    COMPLETED,
    ENDED_EARLY,
    INFO_REQUESTED,
    REJECTED,
    SUBMITTED,
    WITHDRAWN,
    Application,
    Commitment,
)

VolunteeringError = services.VolunteeringError


def get(app, model, ident):
    with app.app_context():
        row = db.session.get(model, ident)
        db.session.expunge(row)
        return row


def decide(app, coordinator, application_id, decision, message="", notify=True):
    with app.app_context():
        actor = db.session.get(User, coordinator.id)
        application = services.decide(actor, application_id, decision, message, notify=notify)
        db.session.commit()
        return application.status


def test_submit_records_the_pledge_and_languages(app, make_user, apply_for, today):
    resident = make_user("resident")
    start = today + timedelta(days=10)
    application = get(app, Application, apply_for(resident, "language_buddy", start=start))
    assert application.status == SUBMITTED and application.open_role == "language_buddy"
    assert application.pledge_end_date >= start + timedelta(days=180)
    with app.app_context():
        user = db.session.get(User, resident.id)
        assert sorted((s.language, s.level) for s in user.languages) == [
            ("ar", "B1"), ("fr", "native")]


def test_one_open_application_per_role_but_another_role_is_fine(app, make_user, apply_for):
    resident = make_user("resident")
    apply_for(resident, "mentor")
    with pytest.raises(VolunteeringError, match="already have an application"):
        apply_for(resident, "mentor")
    assert apply_for(resident, "housing_helper")


def test_after_withdrawing_one_may_apply_again(app, make_user, apply_for):
    resident = make_user("resident")
    first = apply_for(resident, "mentor")
    with app.app_context():
        services.withdraw_application(db.session.get(User, resident.id), first)
        db.session.commit()
    assert get(app, Application, first).status == WITHDRAWN
    assert apply_for(resident, "mentor") != first


def test_start_date_must_be_within_the_next_three_months(app, make_user, apply_for, today):
    resident = make_user("resident")
    with pytest.raises(VolunteeringError, match="cannot be in the past") as error:
        apply_for(resident, start=today - timedelta(days=1))
    assert error.value.field == "start_date"
    with pytest.raises(VolunteeringError, match="within the next 3 months") as error:
        apply_for(resident, start=today + timedelta(days=100))
    assert error.value.field == "start_date"
    assert apply_for(resident, start=today)


def test_pledge_is_required(app, make_user, apply_for):
    with pytest.raises(VolunteeringError, match="pledge") as error:
        apply_for(make_user("resident"), pledge=False)
    assert error.value.field == "pledge"


def test_approval_creates_a_commitment_awaiting_training(app, make_user, apply_for, outbox,
                                                         make_module):
    make_module()
    resident, coordinator = make_user("resident", locale="fr"), make_user("coordinator")
    application_id = apply_for(resident)
    assert decide(app, coordinator, application_id, "approve", "Welcome!") == APPROVED
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment))
        application = db.session.get(Application, application_id)
        assert commitment.status == AWAITING_TRAINING
        assert commitment.user_id == resident.id
        assert (commitment.start_date, commitment.end_date) == (
            application.start_date, application.pledge_end_date)
        assert application.open_role is None
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="application.approve"))
        assert (event.action, event.actor_id, event.record_id, event.message) == (
            "application.approve", coordinator.id, application_id, "Welcome!")
    assert outbox[-1]["To"] == resident.email
    assert outbox[-1]["Subject"] == "Votre candidature a été acceptée"


def test_approval_without_required_training_activates_at_once(app, make_user, apply_for):
    resident, coordinator = make_user("resident"), make_user("coordinator")
    decide(app, coordinator, apply_for(resident), "approve")
    with app.app_context():
        assert db.session.scalar(db.select(Commitment.status)) == ACTIVE


def test_reject_and_request_info_need_a_message(app, make_user, apply_for):
    coordinator = make_user("coordinator")
    application_id = apply_for(make_user("resident"))
    for decision in ("reject", "request_info"):
        with pytest.raises(VolunteeringError, match="Please write a message"):
            decide(app, coordinator, application_id, decision, "   ")
    assert get(app, Application, application_id).status == SUBMITTED


def test_request_info_then_answer_then_decide(app, make_user, apply_for, today, place):
    resident, coordinator = make_user("resident"), make_user("coordinator")
    application_id = apply_for(resident)
    assert decide(app, coordinator, application_id, "request_info", "Which evenings?") == (
        INFO_REQUESTED)
    with pytest.raises(VolunteeringError, match="already been requested"):
        decide(app, coordinator, application_id, "request_info", "Again?")
    with app.app_context():
        user = db.session.get(User, resident.id)
        services.update_application(
            user, db.session.get(Application, application_id), motivation="Tuesday evenings.",
            languages=[("fr", "native")], neighbourhood_id=place, availability=["tue-evening"],
            start_date=today + timedelta(days=3), pledge=True, today=today)
        db.session.commit()
    assert get(app, Application, application_id).status == SUBMITTED
    assert decide(app, coordinator, application_id, "reject", "Not this time.") == REJECTED


def test_deciding_twice_is_refused(app, make_user, apply_for):
    coordinator = make_user("coordinator")
    application_id = apply_for(make_user("resident"))
    decide(app, coordinator, application_id, "approve")
    with pytest.raises(VolunteeringError, match="already been decided"):
        decide(app, coordinator, application_id, "reject", "Changed my mind")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Commitment)) == 1


def test_deciding_a_withdrawn_application_is_refused(app, make_user, apply_for):
    resident, coordinator = make_user("resident"), make_user("coordinator")
    application_id = apply_for(resident)
    with app.app_context():
        services.withdraw_application(db.session.get(User, resident.id), application_id)
        db.session.commit()
    with pytest.raises(VolunteeringError, match="withdrawn"):
        decide(app, coordinator, application_id, "approve")


def test_withdrawing_a_decided_application_is_refused(app, make_user, apply_for):
    resident, coordinator = make_user("resident"), make_user("coordinator")
    application_id = apply_for(resident)
    decide(app, coordinator, application_id, "approve")
    with app.app_context(), pytest.raises(VolunteeringError):
        services.withdraw_application(db.session.get(User, resident.id), application_id)


def test_two_coordinators_deciding_at_once_make_one_decision(app, make_user, apply_for):
    coordinators = [make_user("coordinator") for _ in range(4)]
    application_id = apply_for(make_user("resident"))
    outcomes, barrier = [], threading.Barrier(len(coordinators))

    def run(coordinator, decision):
        barrier.wait()
        try:
            decide(app, coordinator, application_id, decision, "Because.", notify=False)
            outcomes.append(decision)
        except VolunteeringError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(c, d)) for c, d in
               zip(coordinators, ("approve", "reject", "approve", "reject"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes).count("refused") == 3
    with app.app_context():
        # Only decisions: an approval also records the commitment's activation.
        decisions = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action.like("application.%")))
        commitments = db.session.scalar(db.select(db.func.count()).select_from(Commitment))
        status = db.session.get(Application, application_id).status
    assert decisions == 1
    assert commitments == (1 if status == APPROVED else 0)


def approved_commitment(app, make_user, apply_for, coordinator=None):
    resident = make_user("resident")
    coordinator = coordinator or make_user("coordinator")
    decide(app, coordinator, apply_for(resident), "approve")
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment).filter_by(user_id=resident.id))
        return resident, coordinator, commitment.id


def _activate_and_age(app, commitment_id, start, months=6):
    from mentorship.dates import add_months

    with app.app_context():
        commitment = db.session.get(Commitment, commitment_id)
        commitment.status = ACTIVE
        commitment.start_date = start
        commitment.end_date = add_months(start, months)
        db.session.commit()


def test_completed_shows_before_the_sweep_and_the_sweep_records_it(app, make_user, apply_for,
                                                                    today):
    from mentorship.dates import add_months

    _, _, commitment_id = approved_commitment(app, make_user, apply_for)
    _activate_and_age(app, commitment_id, add_months(today, -6))
    commitment = get(app, Commitment, commitment_id)
    assert commitment.status == ACTIVE
    assert commitment.current_status(today) == COMPLETED
    assert commitment.months_served(today) == 6
    with app.app_context():
        assert services.sweep_commitments(today) == 1
        db.session.commit()
        assert services.sweep_commitments(today) == 0
    assert get(app, Commitment, commitment_id).status == COMPLETED


def test_progress_in_months(app, make_user, apply_for, today):
    from mentorship.dates import add_months

    _, _, commitment_id = approved_commitment(app, make_user, apply_for)
    _activate_and_age(app, commitment_id, add_months(today, -4))
    commitment = get(app, Commitment, commitment_id)
    assert commitment.months_served(today) == 4
    assert commitment.current_status(today) == ACTIVE


def test_end_early_by_the_volunteer_with_a_reason(app, make_user, apply_for, today):
    resident, _, commitment_id = approved_commitment(app, make_user, apply_for)
    with app.app_context():
        user = db.session.get(User, resident.id)
        with pytest.raises(VolunteeringError, match="reason"):
            services.end_early(user, commitment_id, "bored", "", today)
        services.end_early(user, commitment_id, "moved_away", "To Lyon", today)
        db.session.commit()
        with pytest.raises(VolunteeringError, match="already ended"):
            services.end_early(user, commitment_id, "other", "", today)
    commitment = get(app, Commitment, commitment_id)
    assert (commitment.status, commitment.end_reason, commitment.end_note) == (
        ENDED_EARLY, "moved_away", "To Lyon")


def test_another_volunteer_cannot_end_a_commitment(app, make_user, apply_for, today):
    _, _, commitment_id = approved_commitment(app, make_user, apply_for)
    stranger = make_user("resident")
    with app.app_context(), pytest.raises(VolunteeringError, match="does not exist"):
        services.end_early(db.session.get(User, stranger.id), commitment_id, "other", "", today)


def test_renew_after_completion_in_one_step(app, make_user, apply_for, today):
    from mentorship.dates import add_months

    resident, _, commitment_id = approved_commitment(app, make_user, apply_for)
    with app.app_context():
        user = db.session.get(User, resident.id)
        with pytest.raises(VolunteeringError, match="once it is completed"):
            services.renew(user, commitment_id, today)
    _activate_and_age(app, commitment_id, add_months(today, -7))
    with app.app_context():
        user = db.session.get(User, resident.id)
        renewed = services.renew(user, commitment_id, today)
        db.session.commit()
        assert renewed.status == ACTIVE and renewed.start_date == today
        assert renewed.end_date == add_months(today, 6)
        assert db.session.get(Commitment, commitment_id).status == COMPLETED
        with pytest.raises(VolunteeringError, match="already been renewed"):
            services.renew(user, commitment_id, today)


def test_cannot_apply_while_already_volunteering_in_the_role(app, make_user, apply_for):
    resident, _, _ = approved_commitment(app, make_user, apply_for)
    with pytest.raises(VolunteeringError, match="already volunteer"):
        apply_for(resident, "mentor")


def test_minimum_months_never_below_six(app, make_user):
    admin = make_user("admin")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        role = services.get_role("mentor")
        with pytest.raises(VolunteeringError, match="less than 6 months"):
            services.update_role_settings(actor, role, min_months=5, capacity=2)
        services.update_role_settings(actor, role, min_months=9, capacity=4)
        db.session.commit()
        assert (services.get_role("mentor").min_months, services.get_role("mentor").capacity) == (
            9, 4)
        assert services.pledge_end(__import__("datetime").date(2026, 8, 31), role) == (
            __import__("datetime").date(2027, 5, 31))


def test_a_double_submit_that_raced_past_the_check_keeps_the_callers_transaction(
        app, make_user, today, place, monkeypatch):
    """The unique open role refuses the second application; only that insert is undone."""
    from mentorship.errors import DomainError

    resident = make_user("resident")
    fields = dict(motivation="Hello", languages=[("fr", "native")], neighbourhood_id=place,
                  availability=["tue-evening"], start_date=today, pledge=True, today=today)
    with app.app_context():
        user = db.session.get(User, resident.id)
        services.submit_application(user, services.get_role("mentor"), **fields)
        services.submit_application(user, services.get_role("housing_helper"), **fields)
        # The other request's application was not there yet when this one checked.
        monkeypatch.setattr(services, "open_application", lambda *args: None)
        with pytest.raises(VolunteeringError, match="already have an application") as error:
            services.submit_application(user, services.get_role("mentor"), **fields)
        assert isinstance(error.value, DomainError) and error.value.status == 409
        db.session.commit()
        roles = sorted(db.session.scalars(db.select(Application.role)))
    assert roles == ["housing_helper", "mentor"]


def test_who_may_end_or_renew_a_commitment_and_when(app, make_user, apply_for, today):
    from mentorship.dates import add_months

    resident, coordinator, commitment_id = approved_commitment(app, make_user, apply_for)
    stranger = make_user("resident")

    def may(what, account, on=today):
        with app.app_context():
            person = db.session.get(User, account.id)
            commitment = db.session.get(Commitment, commitment_id)
            return getattr(services, f"may_{what}")(person, commitment, on)

    assert may("end", resident) and may("end", coordinator) and not may("end", stranger)
    assert not may("renew", resident)  # waiting for training
    _activate_and_age(app, commitment_id, add_months(today, -6))  # served by date
    assert not may("end", resident) and not may("end", coordinator)
    assert may("renew", resident) and not may("renew", stranger)
    assert not may("renew", resident, on=today - timedelta(days=1))  # the day before: active
    assert may("end", resident, on=today - timedelta(days=1))
    with app.app_context():
        services.renew(db.session.get(User, resident.id), commitment_id, today)
        db.session.commit()
    assert not may("renew", resident)  # renewed once


def test_commitments_ending_soon_are_those_ending_within_30_days(app, make_user, apply_for,
                                                                  today):
    ids = [approved_commitment(app, make_user, apply_for)[2] for _ in range(3)]
    with app.app_context():
        for commitment_id, days in zip(ids, (1, 30, 31), strict=True):
            commitment = db.session.get(Commitment, commitment_id)
            commitment.status, commitment.end_date = ACTIVE, today + timedelta(days=days)
        db.session.commit()
        soon = [c.id for c in services.commitments_ending_soon(today)]
    assert soon == ids[:2]
