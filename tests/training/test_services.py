import threading

import pytest
from icalendar import Calendar

from mentorship.extensions import db
from mentorship.training.models import (
    ATTENDED,
    ENROLLED,
    WAITLISTED,
    Certificate,
    Enrollment,
    ModuleCompletion,
    TrainingSession,
)
from mentorship.training.services import (
    TrainingError,
    calendars,
    certification,
    content,
    progress,
    quizzes,
    sessions,
)
from mentorship.volunteering.models import ACTIVE, AWAITING_TRAINING, Commitment
from tests.training.conftest import start, user

QUIZ = "? Two plus two?\n- three\n* four\n? Capital of France?\n* Paris\n- Lyon\n"


def enrol(app, account, session_id):
    with app.app_context():
        enrollment = sessions.enrol(user(account), session_id)
        db.session.commit()
        return enrollment.id, enrollment.status


def commitment_status(app, account):
    with app.app_context():
        return db.session.scalar(db.select(Commitment.status).filter_by(user_id=account.id))


def test_sanitiser_strips_scripts_and_event_handlers():
    html = str(content.render_markdown(
        "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[link](https://example.org) [bad](javascript:alert(1))"))
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<h1>Title</h1>" in html
    assert 'rel="noopener noreferrer"' in html and 'href="https://example.org"' in html


def test_quiz_format_is_parsed_and_checked():
    questions, error = content.parse_quiz(QUIZ)
    assert error is None and len(questions) == 2
    assert [o["correct"] for o in questions[0]["options"]] == [False, True]
    _, error = content.parse_quiz("? Only one answer\n* yes\n")
    assert "Question 1 needs at least two answers" in str(error)
    _, error = content.parse_quiz("? Two right\n* a\n* b\n")
    assert "exactly one" in str(error)
    _, error = content.parse_quiz("What?\n* a\n- b\n")
    assert "Line 1" in str(error)


def test_enrolment_goes_to_the_waiting_list_when_full(app, volunteer, make_module,
                                                      make_session):
    session_id = make_session(make_module(), capacity=2)
    first, second, third = volunteer(), volunteer(), volunteer()
    assert enrol(app, first, session_id)[1] == ENROLLED
    assert enrol(app, second, session_id)[1] == ENROLLED
    assert enrol(app, third, session_id)[1] == WAITLISTED


def test_cancelling_promotes_the_first_person_waiting_and_tells_them(app, volunteer,
                                                                      make_module, make_session,
                                                                      outbox):
    session_id = make_session(make_module(), capacity=1)
    seated, waiting_first, waiting_second = volunteer(), volunteer(), volunteer()
    seat_id, _ = enrol(app, seated, session_id)
    first_id, _ = enrol(app, waiting_first, session_id)
    second_id, _ = enrol(app, waiting_second, session_id)
    with app.app_context():
        _, promoted = sessions.cancel(user(seated), seat_id)
        db.session.commit()
        assert [e.id for e in promoted] == [first_id]
        assert db.session.get(Enrollment, first_id).status == ENROLLED
        assert db.session.get(Enrollment, second_id).status == WAITLISTED
    assert outbox[-1]["To"] == waiting_first.email
    assert "A seat is free" in outbox[-1]["Subject"]


def test_only_approved_volunteers_enrol(app, make_user, make_module, make_session):
    session_id = make_session(make_module())
    resident = make_user("resident")
    with app.app_context(), pytest.raises(TrainingError, match="once your application"):
        sessions.enrol(user(resident), session_id)


def test_enrolling_twice_keeps_one_seat(app, volunteer, make_module, make_session):
    session_id = make_session(make_module(), capacity=5)
    account = volunteer()
    assert enrol(app, account, session_id) == enrol(app, account, session_id)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Enrollment)) == 1


def test_capacity_is_never_exceeded_when_many_take_the_last_seats(app, volunteer, make_module,
                                                                  make_session):
    session_id = make_session(make_module(), capacity=3)
    accounts = [volunteer() for _ in range(8)]
    barrier, errors = threading.Barrier(len(accounts)), []

    def run(account):
        barrier.wait()
        try:
            enrol(app, account, session_id)
        except Exception as error:  # collected: every enrolment must succeed or wait
            errors.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        statuses = db.session.scalars(db.select(Enrollment.status)).all()
    assert statuses.count(ENROLLED) == 3 and statuses.count(WAITLISTED) == 5


def test_attendance_completes_the_module_and_activation_waits_for_the_last_one(
        app, volunteer, make_module, make_session, make_user):
    first_module = make_module("Welcoming", roles=("mentor",))
    second_module = make_module("Safeguarding", roles=("mentor",))
    first_session, second_session = make_session(first_module), make_session(second_module)
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    one, _ = enrol(app, account, first_session)
    two, _ = enrol(app, account, second_session)
    start(app, first_session)
    start(app, second_session)
    with app.app_context():
        actor = user(coordinator)
        sessions.mark_attendance(actor, first_session, {one: ATTENDED})
        db.session.commit()
    assert commitment_status(app, account) == AWAITING_TRAINING
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 0
        sessions.mark_attendance(user(coordinator), second_session, {two: ATTENDED})
        db.session.commit()
    assert commitment_status(app, account) == ACTIVE
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate))
        assert certificate.role == "mentor" and len(certificate.modules) == 2
        assert len(certificate.code) >= 22  # 128 bits, URL-safe


def test_certificate_is_issued_once(app, volunteer, make_module, make_session, make_user):
    module_id = make_module(roles=("mentor",))
    account = volunteer("mentor")
    coordinator = make_user("coordinator")
    for _ in range(2):
        session_id = make_session(module_id)
        enrollment_id, _ = enrol(app, account, session_id)
        start(app, session_id)
        with app.app_context():
            sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: ATTENDED})
            db.session.commit()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(ModuleCompletion)) == 1


def test_no_show_completes_nothing(app, volunteer, make_module, make_session, make_user):
    session_id = make_session(make_module(roles=("mentor",)))
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    enrollment_id, _ = enrol(app, account, session_id)
    with app.app_context(), pytest.raises(TrainingError, match="once the session has started"):
        sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: "no_show"})
    start(app, session_id)
    with app.app_context():
        sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: "no_show"})
        db.session.commit()
    assert commitment_status(app, account) == AWAITING_TRAINING


def test_waitlisted_people_cannot_be_marked(app, volunteer, make_module, make_session,
                                            make_user):
    session_id = make_session(make_module(), capacity=1)
    enrol(app, volunteer(), session_id)
    waiting_id, _ = enrol(app, volunteer(), session_id)
    coordinator = make_user("coordinator")
    start(app, session_id)
    with app.app_context(), pytest.raises(TrainingError, match="holding a seat"):
        sessions.mark_attendance(user(coordinator), session_id, {waiting_id: ATTENDED})


def test_quiz_scoring_retries_and_completion(app, volunteer, make_module):
    module_id = make_module("Online", roles=("language_buddy",), kind="online", quiz=QUIZ,
                            pass_mark=100)
    account = volunteer("language_buddy")
    with app.app_context():
        from mentorship.training.models import TrainingModule

        module = db.session.get(TrainingModule, module_id)
        assert quizzes.score_quiz(module, {0: 1, 1: 0}) == 100
        assert quizzes.score_quiz(module, {0: 0, 1: 0}) == 50
        assert quizzes.score_quiz(module, {0: 9}) == 0
        failed = quizzes.submit_quiz(user(account), module, {0: 0, 1: 0})
        db.session.commit()
        assert (failed.score, failed.passed) == (50, False)
        assert db.session.scalar(db.select(Commitment.status)) == AWAITING_TRAINING
        passed = quizzes.submit_quiz(user(account), module, {0: 1, 1: 0})
        db.session.commit()
        assert passed.passed
        assert db.session.scalar(db.select(Commitment.status)) == ACTIVE


def test_revoked_certificate(app, volunteer, make_module, make_user):
    module_id = make_module("Online", roles=("mentor",), kind="online", quiz=QUIZ)
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    with app.app_context():
        from mentorship.training.models import TrainingModule

        quizzes.submit_quiz(user(account), db.session.get(TrainingModule, module_id),
                             {0: 1, 1: 0})
        db.session.commit()
        certificate_id = db.session.scalar(db.select(Certificate.id))
        with pytest.raises(TrainingError, match="reason"):
            certification.revoke_certificate(user(coordinator), certificate_id, " ")
        certification.revoke_certificate(user(coordinator), certificate_id, "Conduct")
        db.session.commit()
        assert not db.session.get(Certificate, certificate_id).is_valid
        with pytest.raises(TrainingError, match="already revoked"):
            certification.revoke_certificate(user(coordinator), certificate_id, "Again")


def test_ics_parses_and_uids_are_stable(app, volunteer, make_module, make_session):
    session_id = make_session(make_module())
    account = volunteer()
    enrol(app, account, session_id)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        single = Calendar.from_ical(calendars.to_ical([session], "x"))
        feed = Calendar.from_ical(calendars.to_ical(calendars.sessions_for_calendar(user(account)),
                                                   "y"))
        again = Calendar.from_ical(calendars.to_ical(calendars.sessions_for_calendar(user(account)),
                                                    "y"))
    uids = [[str(e["uid"]) for e in c.walk("VEVENT")] for c in (single, feed, again)]
    # Stable, and tied to this installation's address (BASE_URL).
    assert uids[0] == uids[1] == uids[2] == [f"training-session-{session_id}@127.0.0.1"]
    event = single.walk("VEVENT")[0]
    assert event["location"] == "Town hall, room 2"
    assert event.decoded("dtstart").tzinfo is not None


def test_session_times_are_typed_in_the_programme_zone_and_stored_in_utc(app, make_module,
                                                                         make_user):
    from datetime import datetime

    module_id = make_module()
    coordinator = make_user("coordinator")
    with app.app_context():
        from mentorship.training.models import TrainingModule

        session = sessions.save_session(
            user(coordinator), None, db.session.get(TrainingModule, module_id),
            starts_local=datetime(2027, 1, 15, 18, 0), ends_local=datetime(2027, 1, 15, 20, 0),
            place="Here", video_link="", capacity=5)
        assert session.starts_at == datetime(2027, 1, 15, 17, 0)  # Paris is UTC+1 in winter
        with pytest.raises(TrainingError, match="after the start"):
            sessions.save_session(
                user(coordinator), None, session.module,
                starts_local=datetime(2027, 1, 15, 18), ends_local=datetime(2027, 1, 15, 17),
                place="Here", video_link="", capacity=5)


def test_overview_counts(app, volunteer, make_module, make_session, make_user):
    module_id = make_module(roles=("mentor",))
    session_id = make_session(module_id, capacity=4)
    trainee, _other = volunteer("mentor", name="Trainee"), volunteer("mentor", name="Missing")
    enrol(app, trainee, session_id)
    with app.app_context():
        row = next(r for r in progress.module_overview() if r["module"].id == module_id)
        assert [(s.id, taken) for s, taken in row["upcoming"]] == [(session_id, 1)]
        assert row["missing"] == 2
        assert [(u.name, roles) for u, roles in progress.missing_page(module_id).items] == [
            ("Missing", ["mentor"]), ("Trainee", ["mentor"])]
        assert row["attendance_rate"] is None


def test_attended_cannot_be_turned_into_no_show(app, volunteer, make_module, make_session,
                                                make_user):
    session_id = make_session(make_module(roles=("mentor",)))
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    enrollment_id, _ = enrol(app, account, session_id)
    start(app, session_id)
    with app.app_context():
        sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: ATTENDED})
        db.session.commit()
        with pytest.raises(TrainingError, match="already confirmed"):
            sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: "no_show"})


def test_no_cancellation_once_the_session_started(app, volunteer, make_module, make_session):
    session_id = make_session(make_module(), capacity=1)
    seated, waiting = volunteer(), volunteer()
    seat_id, _ = enrol(app, seated, session_id)
    enrol(app, waiting, session_id)
    start(app, session_id)
    with app.app_context(), pytest.raises(TrainingError, match="already started"):
        sessions.cancel(user(seated), seat_id)
