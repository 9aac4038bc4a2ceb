"""A revoked certificate no longer blocks a new one.

Passing again means: revoking deletes the holder's completions of the role's required
modules (the audit entry lists them), so they are to do again; attendance at a session
held before the revocation day does not count; once every required module is completed
again, a new certificate (new code) is issued, and the old one still verifies as revoked.
"""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.training.models import (
    ATTENDED,
    Certificate,
    ModuleCompletion,
    TrainingModule,
    TrainingSession,
)
from mentorship.training.services import certification, quizzes, sessions
from tests.conftest import csrf_token_from, log_in, page_text
from tests.training.conftest import start, user
from tests.training.test_services import QUIZ, enrol

RIGHT = {0: 1, 1: 0}


def pass_quiz(app, account, module_id):
    with app.app_context():
        quizzes.submit_quiz(user(account), db.session.get(TrainingModule, module_id), RIGHT)
        db.session.commit()


def attend(app, account, coordinator, session_id):
    enrollment_id, _ = enrol(app, account, session_id)
    start(app, session_id)
    with app.app_context():
        sessions.mark_attendance(user(coordinator), session_id, {enrollment_id: ATTENDED})
        db.session.commit()


def revoke(app, coordinator, certificate_id, reason="Conduct"):
    with app.app_context():
        certification.revoke_certificate(user(coordinator), certificate_id, reason)
        db.session.commit()


def certificates(app, account, role=None):
    with app.app_context():
        query = db.select(Certificate).where(Certificate.user_id == account.id)
        if role:
            query = query.where(Certificate.role == role)
        return [(c.id, c.code, c.is_valid) for c in db.session.scalars(
            query.order_by(Certificate.id))]


def the_certificate(app, account, role=None):
    """(id, code) of the person's only certificate (of ``role``), which is valid."""
    [(certificate_id, code, valid)] = certificates(app, account, role)
    assert valid
    return certificate_id, code


def completed(app, account):
    with app.app_context():
        return set(db.session.scalars(db.select(ModuleCompletion.module_id).where(
            ModuleCompletion.user_id == account.id)))


def test_after_revocation_the_modules_are_passed_again_and_a_new_certificate_issued(
        app, volunteer, make_module, make_session, make_user, outbox):
    online = make_module("Online", roles=("mentor",), kind="online", quiz=QUIZ)
    in_person = make_module("In person", roles=("mentor",))
    optional = make_module("Optional", roles=(), optional=("mentor",), kind="online", quiz=QUIZ)
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    pass_quiz(app, account, online)
    pass_quiz(app, account, optional)
    attend(app, account, coordinator, make_session(in_person))
    old_id, old_code = the_certificate(app, account)

    revoke(app, coordinator, old_id)
    # The required modules are to do again; the optional one stays done.
    assert completed(app, account) == {optional}
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "certificate.revoked"))
        assert event.message == "Conduct" and event.actor_id == coordinator.id
        assert sorted(m["module_id"] for m in event.data["reset_modules"]) == sorted(
            [online, in_person])
        # Nothing is issued by merely checking again.
        assert certification.check_training(user(account)) == []

    pass_quiz(app, account, online)
    assert certificates(app, account) == [(old_id, old_code, False)]  # one module to go
    sent = len(outbox)
    attend(app, account, coordinator, make_session(in_person, days=3))
    (_, _, old_valid), (new_id, new_code, new_valid) = certificates(app, account)
    assert (old_valid, new_valid) == (False, True) and new_code != old_code
    assert len(outbox) == sent + 1  # the certificate email, once
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "certificate.reissued"))
        assert (event.record_id, event.data["replaces"]) == (new_id, old_id)
        new = db.session.get(Certificate, new_id)
        assert sorted(m["title"] for m in new.modules) == ["In person", "Online"]
        assert all(m["completed_on"] >= programme_today().isoformat() for m in new.modules)


def test_attendance_at_a_session_before_the_revocation_does_not_count(
        app, volunteer, make_module, make_session, make_user):
    module_id = make_module(roles=("mentor",))
    account, coordinator = volunteer("mentor"), make_user("coordinator")
    attend(app, account, coordinator, make_session(module_id))
    old_id, _ = the_certificate(app, account)
    # A seat in another session, which took place three days ago, never marked.
    earlier = make_session(module_id, days=2)
    enrollment_id, _ = enrol(app, account, earlier)
    with app.app_context():
        session = db.session.get(TrainingSession, earlier)
        session.starts_at = utcnow() - timedelta(days=3)
        session.ends_at = session.starts_at + timedelta(hours=2)
        db.session.commit()
    revoke(app, coordinator, old_id)
    with app.app_context():
        sessions.mark_attendance(user(coordinator), earlier, {enrollment_id: ATTENDED})
        db.session.commit()
    assert completed(app, account) == set()
    assert len(certificates(app, account)) == 1
    # A session after the revocation counts.
    attend(app, account, coordinator, make_session(module_id, days=4))
    assert [valid for _, _, valid in certificates(app, account)] == [False, True]


def test_a_module_shared_with_another_valid_certificate(app, volunteer, make_module,
                                                       make_user):
    module_id = make_module("Shared", roles=("mentor", "language_buddy"), kind="online",
                            quiz=QUIZ)
    account, coordinator = volunteer("mentor", "language_buddy"), make_user("coordinator")
    pass_quiz(app, account, module_id)
    mentor_id, _ = the_certificate(app, account, "mentor")
    buddy_id, buddy_code = the_certificate(app, account, "language_buddy")
    revoke(app, coordinator, mentor_id)
    assert completed(app, account) == set()
    assert certificates(app, account, "language_buddy") == [(buddy_id, buddy_code, True)]
    pass_quiz(app, account, module_id)
    assert [v for _, _, v in certificates(app, account, "mentor")] == [False, True]
    # The language buddy certificate is the same one: nothing new for that role.
    assert certificates(app, account, "language_buddy") == [(buddy_id, buddy_code, True)]


def test_the_database_holds_one_valid_certificate_per_person_and_role(app, make_user):
    holder = make_user("resident")

    def certificate(**extra):
        return Certificate(user_id=holder.id, role="mentor", holder_name="H",
                           programme_name="P", modules=[], issued_on=programme_today(),
                           **extra)

    with app.app_context():
        db.session.add_all([certificate(revoked_at=utcnow(), revoked_reason="x"),
                            certificate(revoked_at=utcnow(), revoked_reason="y"),
                            certificate()])
        db.session.commit()
        db.session.add(certificate())
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_issuing_while_a_valid_certificate_exists_issues_nothing(app, volunteer,
                                                                 make_module):
    module_id = make_module("Online", roles=("mentor",), kind="online", quiz=QUIZ)
    account = volunteer("mentor")
    pass_quiz(app, account, module_id)
    with app.app_context():
        completions = db.session.scalars(db.select(ModuleCompletion)).all()
        assert certification.issue_certificate(user(account), "mentor", completions) is None
    assert len(certificates(app, account)) == 1


def test_the_volunteer_sees_what_to_do_and_gets_the_new_certificate(
        app, client, volunteer, make_module, make_user):
    module_id = make_module("Online", roles=("mentor",), kind="online", quiz=QUIZ)
    account, coordinator = volunteer("mentor", name="Zoë Holder"), make_user("coordinator")
    pass_quiz(app, account, module_id)
    old_id, old_code = the_certificate(app, account)

    log_in(client, coordinator)
    form = page_text(client.get(f"/coordinate/training/certificates/{old_id}/revoke"))
    response = client.post(f"/coordinate/training/certificates/{old_id}/revoke",
                           data={"csrf_token": csrf_token_from(form), "reason": "Conduct"})
    assert response.status_code == 303
    client.post("/logout")

    log_in(client, account)
    html = page_text(client.get("/training"))
    assert "Your certificate for this role has been revoked." in html
    assert "complete the required modules again" in html and "0 of 1 required module done" in html
    assert "Take the quiz" in html
    client.post(f"/training/modules/{module_id}/quiz", data={"q0": "1", "q1": "0"})
    (_, _, old_valid), (_, new_code, new_valid) = certificates(app, account)
    assert (old_valid, new_valid) == (False, True)
    html = page_text(client.get("/training"))
    assert "Training complete: your certificate is ready." in html
    assert f"/certificates/{new_code}/print" in html and old_code not in html
    revoked = page_text(client.get(f"/certificates/{old_code}"))
    assert "This certificate has been revoked." in revoked
    assert "Valid certificate" in page_text(client.get(f"/certificates/{new_code}"))
