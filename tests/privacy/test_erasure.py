"""Erasure: asking (with the password), cancelling, a coordinator's confirmation, and the
erasure itself: what ends, what is anonymised, what stays."""

import json
import re
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import JSON, String, or_, select, update

from mentorship.accounts.models import ADMIN, SignIn, User, UserRole
from mentorship.audit.models import AuditEvent
from mentorship.awards.models import AwardCategory, Juror, Nomination, PublicConsent
from mentorship.awards.public import review_citation
from mentorship.checkins.models import Checkin, CheckinAnswer, CheckinQuestionVersion
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.mail import SentEmail
from mentorship.matching.models import BuddyRequest, Match, MatchFlag
from mentorship.privacy import erasure
from mentorship.privacy.models import CANCELLED, ERASED, REQUESTED, Consent, ErasureRequest
from mentorship.recognition.models import Pass
from mentorship.training.models import Certificate, Enrollment
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import PASSWORD, log_in, page_text
from tests.privacy.test_export import (
    EMAIL,
    NAME,
    OTHER_ANSWER,
    OWN_ANSWER,
    PHONE,
    everything_about,
)

ErasureError = erasure.ErasureError


def ask(client, password=PASSWORD, understood="y"):
    return client.post("/account/delete", data={"password": password, "understood": understood})


def request_id_of(app, user_id):
    with app.app_context():
        return db.session.scalar(select(ErasureRequest.id).where(
            ErasureRequest.user_id == user_id))


def confirm(app, actor_id, request_id):
    with app.app_context():
        result = erasure.confirm(db.session.get(User, actor_id), request_id)
        db.session.commit()
        return result.id


def erase(app, user_id, actor_id=None):
    with app.app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        erasure.erase(db.session.get(User, user_id), actor=actor)
        db.session.commit()


# Asking and cancelling ---------------------------------------------------------------


def test_a_wrong_password_changes_nothing_and_says_so_next_to_the_field(client, login_as, app):
    account = login_as("resident")
    response = ask(client, password="not my password")
    assert response.status_code == 422
    text = page_text(response)
    assert 'id="password-errors"' in text and "This is not your password" in text
    assert '<input checked id="understood"' in text  # what was ticked stays ticked
    assert request_id_of(app, account.id) is None


def test_the_box_must_be_ticked(client, login_as, app):
    account = login_as("resident")
    response = ask(client, understood="")
    assert response.status_code == 422 and 'id="understood-errors"' in page_text(response)
    assert request_id_of(app, account.id) is None


def test_asking_twice_makes_one_request_and_says_so(client, login_as, app):
    account = login_as("newcomer")
    assert ask(client).status_code == 303
    page = page_text(client.get("/account/delete"))
    assert "Cancel my request" in page
    again = ask(client)
    assert again.status_code == 409 and "already asked" in page_text(again)
    with app.app_context():
        rows = db.session.scalars(select(ErasureRequest).where(
            ErasureRequest.user_id == account.id)).all()
        assert [r.status for r in rows] == [REQUESTED]
        assert db.session.get(User, account.id).is_enabled  # nothing erased yet


def test_cancelling_keeps_the_account_and_a_new_request_starts_again(client, login_as, app):
    account = login_as("resident")
    ask(client)
    assert client.post("/account/delete/cancel").status_code == 303
    with app.app_context():
        assert db.session.get(ErasureRequest, request_id_of(app, account.id)).status == CANCELLED
    again = client.post("/account/delete/cancel", follow_redirects=True)
    assert "nothing to cancel" in page_text(again)
    assert ask(client).status_code == 303
    with app.app_context():
        assert db.session.get(ErasureRequest, request_id_of(app, account.id)).status == REQUESTED


def test_the_last_administrator_cannot_be_erased(client, login_as, app, make_user):
    admin = login_as("admin")
    response = ask(client)
    assert response.status_code == 409 and "at least one administrator" in page_text(response)
    assert request_id_of(app, admin.id) is None
    # Even when the request was made while another administrator existed.
    other = make_user("admin")
    assert ask(client).status_code == 303
    with app.app_context():
        db.session.execute(db.delete(UserRole).where(UserRole.user_id == other.id))
        db.session.commit()
    with pytest.raises(ErasureError, match="at least one administrator"):
        confirm(app, make_user("coordinator").id, request_id_of(app, admin.id))
    with app.app_context():
        assert not db.session.get(User, admin.id).is_erased


# The coordinators' queue -------------------------------------------------------------


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_see_and_confirm_requests(client, login_as, make_user, app, role):
    waiting = make_user("resident")
    with app.app_context():
        db.session.add(ErasureRequest(user_id=waiting.id))
        db.session.commit()
    request_id = request_id_of(app, waiting.id)
    login_as(role)
    assert client.get("/coordinate/erasure-requests").status_code == 403
    assert client.get(f"/coordinate/erasure-requests/{request_id}").status_code == 403
    response = client.post(f"/coordinate/erasure-requests/{request_id}", data={"understood": "y"})
    assert response.status_code == 403
    with app.app_context():
        assert not db.session.get(User, waiting.id).is_erased


def test_anonymous_visitors_are_sent_to_the_login(client):
    for url in ("/coordinate/erasure-requests", "/account/delete"):
        response = client.get(url)
        assert response.status_code in (302, 303) and "/login" in response.location


def test_a_coordinator_confirms_once(client, login_as, make_user, app):
    person = make_user("newcomer", name="Amina Request")
    log_in(client, person)
    ask(client)
    coordinator = login_as("coordinator")
    queue = page_text(client.get("/coordinate/erasure-requests"))
    assert "Amina Request" in queue
    request_id = request_id_of(app, person.id)
    page = f"/coordinate/erasure-requests/{request_id}"
    refused = client.post(page, data={})
    assert refused.status_code == 422 and 'id="understood-errors"' in page_text(refused)
    assert client.post(page, data={"understood": "y"}).status_code == 303
    again = client.post(page, data={"understood": "y"})
    assert again.status_code == 409 and "already been erased" in page_text(again)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.erased")).all()
        assert [(e.actor_id, e.record_id) for e in events] == [(coordinator.id, person.id)]
        found = db.session.get(ErasureRequest, request_id)
        assert (found.status, found.confirmed_by_id) == (ERASED, coordinator.id)
    assert "Amina Request" not in page_text(client.get("/coordinate/erasure-requests"))
    # The person can no longer log in.
    assert client.post("/logout").status_code in (302, 303)
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code != 303


def test_a_coordinator_cannot_confirm_their_own_request(client, login_as, app):
    coordinator = login_as("coordinator")
    ask(client)
    request_id = request_id_of(app, coordinator.id)
    assert "another coordinator" in page_text(client.get("/coordinate/erasure-requests"))
    response = client.post(f"/coordinate/erasure-requests/{request_id}", data={"understood": "y"})
    assert response.status_code == 409 and "your own account" in page_text(response)
    with app.app_context():
        assert not db.session.get(User, coordinator.id).is_erased


def test_a_cancelled_request_cannot_be_confirmed(app, make_user):
    person, coordinator = make_user("resident"), make_user("coordinator")
    with app.app_context():
        db.session.add(ErasureRequest(user_id=person.id, status=CANCELLED))
        db.session.commit()
    with pytest.raises(ErasureError, match="cancelled"):
        confirm(app, coordinator.id, request_id_of(app, person.id))


def test_two_coordinators_confirming_at_once_erase_once(app, make_user):
    person = make_user("resident")
    coordinators = [make_user("coordinator") for _ in range(4)]
    with app.app_context():
        db.session.add(ErasureRequest(user_id=person.id))
        db.session.commit()
    request_id = request_id_of(app, person.id)
    outcomes, barrier = [], threading.Barrier(len(coordinators))

    def run(coordinator):
        barrier.wait()
        try:
            confirm(app, coordinator.id, request_id)
            outcomes.append("erased")
        except ErasureError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(c,)) for c in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["erased", "refused", "refused", "refused"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "user.erased")) == 1


# What erasure does -------------------------------------------------------------------


def test_erasure_ends_what_the_person_takes_part_in(app, make_user, outbox):
    ids = everything_about(app, make_user)
    uid = ids["person"]
    erase(app, uid, ids["staff"])
    with app.app_context():
        get = db.session.get
        assert {(m.status, m.end_reason) for m in db.session.scalars(select(Match))} == {
            ("ended_early", "left_programme")}
        # The newcomer whose volunteer left goes back to the board; their own requests end.
        assert get(Match, ids["match_as_volunteer"]).request.status == "open"
        assert get(Match, ids["match_as_newcomer"]).request.status == "closed"
        assert get(BuddyRequest, ids["open_request"]).status == "cancelled"
        commitment = get(Commitment, ids["commitment"])
        assert (commitment.status, commitment.end_reason) == ("ended_early", "left_programme")
        assert commitment.current_role is None and commitment.ended_by_id == ids["staff"]
        assert get(Application, ids["open_application"]).status == "withdrawn"
        assert {p.status for p in db.session.scalars(select(Pass))} == {"revoked", "redeemed"}
        # The seat in the coming session goes to the person waiting for it.
        seats = {e.user_id: e.status for e in db.session.scalars(select(Enrollment).where(
            Enrollment.session_id == ids["future_session"]))}
        assert seats == {uid: "cancelled", ids["other_volunteer"]: "enrolled"}
        # Award cycle not yet announced: out of it; announced: the facts stay.
        assert not db.session.scalars(select(Nomination).where(
            Nomination.cycle_id == ids["open_cycle"],
            or_(Nomination.nominee_id == uid, Nomination.nominator_id == uid))).all()
        assert len(db.session.scalars(select(Nomination).where(
            Nomination.cycle_id == ids["announced_cycle"])).all()) == 2
        assert [j.cycle_id for j in db.session.scalars(select(Juror).where(
            Juror.user_id == uid))] == [ids["announced_cycle"]]
        assert not db.session.scalars(select(PublicConsent)).all()
        assert not db.session.scalars(select(SignIn).where(SignIn.user_id == uid)).all()
        assert not db.session.scalars(select(SentEmail).where(
            SentEmail.recipient_id == uid)).all()
        assert db.session.scalars(select(Consent).where(Consent.user_id == uid)).all()
        # Their buddy's note about a meeting named them by first name: that name goes.
        assert db.session.scalar(select(HourEntry.note).where(
            HourEntry.user_id == ids["other_volunteer"])) == (
            f"Coffee with Former participant {uid} at the library.")
        person = get(User, uid)
        assert person.name == f"Former participant {uid}" and person.is_erased
        assert not person.is_enabled and person.phone is None and person.languages == []
        assert person.role_names == {"resident", "newcomer"}
        assert not person.check_password(PASSWORD)
        told = sorted([get(User, ids["other_volunteer"]).email,
                       get(User, ids["other_newcomer"]).email])
    # The two people whose match ended are told (and nothing goes to the erased address).
    assert sorted(m["To"] for m in outbox if m["Subject"] == "Your buddy match has ended") == told
    assert EMAIL not in [m["To"] for m in outbox]


def _text_of(value):
    return json.dumps(value, ensure_ascii=False, default=str).casefold()


def _refers_to_users(column):
    return any(fk.column.table.name == "users" for fk in column.foreign_keys)


def _texts(table):
    return [c for c in table.columns if isinstance(c.type, String | JSON) and not c.foreign_keys]


VOCABULARY = "a code from a fixed list, written by the code, never typed by anyone"
LANGUAGE = "a language code"
KEY = "a random key or hash (unique), never a text"
IDENTIFIER = "the person's identifier itself: the erasure replaces it, and it is checked below"
# String, text and JSON columns of rows linked to a person that cannot hold free text,
# reviewed one by one. Every other such column (a future one too) gets the marker.
NOT_FREE_TEXT = {
    ("users", "name"): IDENTIFIER, ("users", "email"): IDENTIFIER,
    ("users", "phone"): IDENTIFIER,
    ("users", "password_hash"): "a password hash, replaced by an unusable one",
    ("users", "locale"): LANGUAGE, ("users", "shares_contact"): VOCABULARY,
    ("applications", "open_role"): VOCABULARY, ("applications", "status"): VOCABULARY,
    ("audit_events", "action"): VOCABULARY, ("audit_events", "record_type"): VOCABULARY,
    ("award_categories", "code"): VOCABULARY, ("award_categories", "role"): VOCABULARY,
    ("award_cycles", "state"): VOCABULARY,
    ("buddy_requests", "current_role"): VOCABULARY, ("buddy_requests", "status"): VOCABULARY,
    ("buddy_requests", "target_language"): LANGUAGE,
    ("buddy_requests", "preferred_contact"): VOCABULARY,
    ("calendar_feeds", "token"): KEY, ("certificates", "code"): KEY,
    ("commitments", "status"): VOCABULARY, ("commitments", "current_role"): VOCABULARY,
    ("commitments", "end_reason"): VOCABULARY,
    ("enrollments", "status"): VOCABULARY, ("erasure_requests", "status"): VOCABULARY,
    ("hour_entries", "activity"): VOCABULARY, ("hour_entries", "status"): VOCABULARY,
    ("hour_entries", "token"): KEY,
    ("language_skills", "language"): LANGUAGE, ("language_skills", "level"): VOCABULARY,
    ("matches", "status"): VOCABULARY, ("matches", "declined_by"): VOCABULARY,
    ("matches", "decline_reason"): VOCABULARY, ("matches", "end_reason"): VOCABULARY,
    ("module_completions", "via"): VOCABULARY, ("nominations", "locale"): LANGUAGE,
    ("passes", "code"): KEY, ("passes", "short_code"): KEY, ("passes", "status"): VOCABULARY,
    ("privacy_notices", "locale"): LANGUAGE,
    ("sent_emails", "template"): VOCABULARY,
    ("users", "sign_in_name"): IDENTIFIER + " (removed)",
    ("buddy_requests", "close_reason"): VOCABULARY,
    ("invitations", "code_hash"): "a hash of an invitation code; the erasure deletes it",
    ("messages", "token"): KEY, ("messages", "group_kind"): VOCABULARY,
    ("messages", "kind"): VOCABULARY, ("messages", "default_locale"): LANGUAGE,
    ("message_recipients", "locale"): LANGUAGE,
    ("outgoing_emails", "template"): VOCABULARY, ("outgoing_emails", "state"): VOCABULARY,
    ("sent_reminders", "key"): "a key the code makes from ids and dates (one reminder each)",
    ("sign_ins", "token_hash"): KEY, ("user_roles", "role"): VOCABULARY,
    ("checkins", "audience"): VOCABULARY, ("checkins", "moment"): VOCABULARY,
    ("checkins", "status"): VOCABULARY, ("match_flags", "reason"): VOCABULARY,
    # Free texts, planted and checked like every other: checkin_question_versions.texts
    # (the wording a coordinator wrote), match_flags.resolution (what was done); the
    # answers' checkin_answers.text has no column referring to a person: its check-in
    # does, and the erasure deletes both (test_checkins_and_their_answers_are_deleted).
}


def _linked_rows(uid):
    """{table: [primary key tuple]} of every row referring to the person (any column
    referring to users), and their users row."""
    found = {"users": [(uid,)]}
    for table in db.metadata.sorted_tables:
        links = [c for c in table.columns if _refers_to_users(c)]
        if links:
            keys = list(table.primary_key.columns)
            found[table.name] = [tuple(row) for row in db.session.execute(
                select(*keys).where(or_(*(c == uid for c in links))))]
    return found


def _plant(uid, staff_id, marker):
    """The marker in every free-text column of every row linked to the person, and an
    audit entry by a coordinator, with the marker, about each of those rows."""
    checked = [key for key in NOT_FREE_TEXT]
    assert len(checked) == len(set(checked))
    columns = {(t.name, c.name) for t in db.metadata.sorted_tables for c in _texts(t)}
    assert set(NOT_FREE_TEXT) <= columns, f"stale: {set(NOT_FREE_TEXT) - columns}"
    linked = _linked_rows(uid)
    kinds = {m.local_table.name: m.class_.__name__ for m in db.Model.registry.mappers}
    for name, rows in linked.items():
        table = db.metadata.tables[name]
        values = {}
        for column in _texts(table):
            if (name, column.name) in NOT_FREE_TEXT:
                continue
            length = getattr(column.type, "length", None)
            assert length is None or length >= len(marker), (
                f"{name}.{column.name} is too short for a name: list it in NOT_FREE_TEXT")
            values[column.name] = [marker] if isinstance(column.type, JSON) else marker
        keys = list(table.primary_key.columns)
        for row in rows:
            if values:
                db.session.execute(update(table).where(
                    *(k == v for k, v in zip(keys, row, strict=True))).values(values))
            if len(keys) == 1 and name != "audit_events":
                db.session.add(AuditEvent(actor_id=staff_id, action="test.planted",
                                          record_type=kinds[name], record_id=row[0],
                                          message=marker, data={"note": marker}))
    db.session.flush()
    return _linked_rows(uid)


def test_no_text_linked_to_the_erased_person_still_names_them(app, make_user):
    """Every string, text and JSON column of every row that referred to the person (any
    column referring to users.id), of their users row, and of every audit entry by them,
    about them or about one of those rows (even a row the erasure deletes). Every
    free-text column is first filled with their name, email and phone, and every such
    row gets an audit entry naming them, so a column or table a future change adds is
    checked too."""
    ids = everything_about(app, make_user)
    uid = ids["person"]
    marker = f"Notes about {NAME}, {EMAIL}, {PHONE}"
    with app.app_context():
        rows = _plant(uid, ids["staff"], marker)
        kinds = {m.class_.__name__: m.local_table.name for m in db.Model.registry.mappers}
        rows["audit_events"] = [(event.id,) for event in db.session.scalars(select(AuditEvent))
                                if event.actor_id == uid or (
                                    (event.record_id,) in rows.get(kinds[event.record_type], ()))]
        assert len(rows["audit_events"]) > 40  # by them, about their rows, planted
        db.session.commit()
    erase(app, uid)
    needles = [NAME.casefold(), EMAIL.casefold(), PHONE.casefold()]
    leaks = []
    with app.app_context():
        for name, keys in rows.items():
            table = db.metadata.tables[name]
            texts, primary = _texts(table), list(table.primary_key.columns)
            for key in keys if texts else ():
                found = db.session.execute(select(*texts).where(
                    *(k == v for k, v in zip(primary, key, strict=True)))).first()
                where = f"{name} {key}" if found is None or name != "audit_events" else (
                    f"audit entry about {found.record_type}")
                for column, value in zip(texts, found or (), strict=False):
                    if any(n in _text_of(value) for n in needles):
                        leaks.append(f"{where}: {column.name} = {value!r}")
    assert leaks == []


def test_audit_entries_about_rows_the_erasure_deletes_lose_their_words(app, make_user):
    """A coordinator edited the citation of a nomination of a cycle not yet announced (the
    entry's note is the new text): the erasure deletes the nomination, and the note must
    go too. An entry about a record deleted long ago loses the person's name."""
    ids = everything_about(app, make_user)
    uid = ids["person"]
    with app.app_context():
        nomination = db.session.scalar(select(Nomination).where(
            Nomination.cycle_id == ids["open_cycle"], Nomination.nominee_id == uid))
        review_citation(db.session.get(User, ids["staff"]), nomination.id,
                        "Always patient with everyone in the building.")
        gone = AuditEvent(action="nomination.citation_edited", record_type="Nomination",
                          record_id=10**6, message=f"{NAME} helped us a lot.")
        db.session.add(gone)
        db.session.commit()
        edited, gone_id = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "nomination.citation_edited",
            AuditEvent.record_id == nomination.id)), gone.id
    erase(app, uid)
    with app.app_context():
        assert db.session.get(AuditEvent, edited).message is None
        assert db.session.get(AuditEvent, gone_id).message == (
            f"Former participant {uid} helped us a lot.")
        assert not db.session.scalars(select(Nomination).where(
            Nomination.cycle_id == ids["open_cycle"], Nomination.nominee_id == uid)).all()


def test_notes_about_other_peoples_records_stay(app, make_user):
    """Erasing a coordinator keeps the notes they wrote about other people's records (the
    other person keeps them in their copy); only the coordinator's own name goes."""
    coordinator = make_user("coordinator", name="Zofia Erased")
    applicant = make_user("resident")
    with app.app_context():
        application = Application(user_id=applicant.id, role="mentor", status="rejected",
                                  motivation="Hi.",
                                  decided_by_id=coordinator.id, start_date=date.today(),
                                  pledge_end_date=date.today() + timedelta(days=200))
        db.session.add(application)
        db.session.flush()
        event = AuditEvent(actor_id=coordinator.id, action="application.reject",
                           record_type="Application", record_id=application.id,
                           message="Not this time. Zofia Erased, coordinator")
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    erase(app, coordinator.id)
    with app.app_context():
        assert db.session.get(AuditEvent, event_id).message == (
            f"Not this time. Former participant {coordinator.id}, coordinator")


# Free texts that may describe the person without naming them: emptied, not searched.
CLEARED = {
    "hour_entries": ("note", "decision_reason"),
    "applications": ("motivation", "decision_message"),
    "buddy_requests": ("note", "needs"),
    "matches": ("override_note", "decline_note", "end_note"),
    "commitments": ("end_note",),
    "certificates": ("revoked_reason",),
    "passes": ("revoked_reason",),
    "nominations": ("citation", "public_citation"),
    "award_votes": ("comment",),
    "award_categories": ("tie_break_reason",),
}


def test_free_texts_about_the_person_are_emptied(app, make_user):
    ids = everything_about(app, make_user)
    uid = ids["person"]
    with app.app_context():
        tables = db.metadata.tables
        for name, columns in CLEARED.items():
            table = tables[name]
            links = [c for c in table.columns if any(
                fk.column.table.name == "users" for fk in c.foreign_keys)]
            values = {c: ["cooking"] if c == "needs" else "Likes cooking." for c in columns}
            db.session.execute(update(table).where(or_(*(c == uid for c in links)))
                               .values(values))
        notes = [AuditEvent(actor_id=ids["staff"], action="test.note", record_type="User",
                            record_id=uid, message="Likes cooking.")]
        for model, where in _theirs(uid):
            notes += [AuditEvent(actor_id=ids["staff"], action="test.note",
                                 record_type=model.__name__, record_id=record_id,
                                 message="Likes cooking.")
                      for record_id in db.session.scalars(select(model.id).where(where))]
        db.session.add_all(notes)
        db.session.commit()
        note_ids = [note.id for note in notes]
        assert {note.record_type for note in notes} == {"User"} | {
            model.__name__ for model, _ in _theirs(uid)}
    erase(app, uid)
    with app.app_context():
        left = []
        for name, columns in CLEARED.items():
            table = db.metadata.tables[name]
            links = [c for c in table.columns if any(
                fk.column.table.name == "users" for fk in c.foreign_keys)]
            for row in db.session.execute(select(*(table.c[c] for c in columns))
                                          .where(or_(*(c == uid for c in links)))):
                left += [f"{name}.{c}" for c, v in zip(columns, row, strict=True) if v]
        left += [f"audit_events.message ({event.record_type})" for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.id.in_(note_ids))) if event.message]
    assert left == []


def _theirs(uid):
    """The person's records an audit entry can be about (a nomination of the open cycle,
    deleted by the erasure, among them)."""
    return [(Application, Application.user_id == uid), (Commitment, Commitment.user_id == uid),
            (BuddyRequest, BuddyRequest.user_id == uid),
            (Match, or_(Match.volunteer_id == uid, Match.newcomer_id == uid)),
            (HourEntry, HourEntry.user_id == uid), (Pass, Pass.user_id == uid),
            (Certificate, Certificate.user_id == uid), (Enrollment, Enrollment.user_id == uid),
            (Nomination, or_(Nomination.nominator_id == uid, Nomination.nominee_id == uid)),
            (ErasureRequest, ErasureRequest.user_id == uid),
            (AwardCategory, AwardCategory.winner_id == uid)]


def crowd(app, make_user, size=6):
    """Enough volunteers and newcomers, matched, with hours and certificates, that the
    public page shows its figures instead of "fewer than 5"."""
    today, now = date.today(), datetime.now()
    pairs = [(make_user("resident"), make_user("newcomer")) for _ in range(size)]
    with app.app_context():
        for volunteer, newcomer in pairs:
            commitment = Commitment(user_id=volunteer.id, role="mentor", current_role="mentor",
                                    status="active", start_date=today - timedelta(days=30),
                                    end_date=today + timedelta(days=300),
                                    activated_at=now - timedelta(days=30))
            request = BuddyRequest(user_id=newcomer.id, role="mentor", current_role="mentor",
                                   status="matched")
            db.session.add_all([commitment, request])
            db.session.flush()
            match = Match(request_id=request.id, commitment_id=commitment.id,
                          volunteer_id=volunteer.id, newcomer_id=newcomer.id, status="active",
                          activated_at=now)
            db.session.add(match)
            db.session.flush()
            db.session.add_all([
                HourEntry(user_id=volunteer.id, match_id=match.id, day=today, minutes=120,
                          activity="meeting", status="approved"),
                Certificate(user_id=volunteer.id, role="mentor", holder_name="V",
                            programme_name="P", modules=[], issued_on=today)])
        db.session.commit()


def test_figures_do_not_change(app, make_user, client):
    """The public page and the coordinators' figures, this year and last, are the same
    before and after the erasure."""
    ids = everything_about(app, make_user)
    crowd(app, make_user)
    coordinator = make_user("coordinator")
    with app.app_context():
        db.session.add(Consent(user_id=coordinator.id, version=1))
        db.session.commit()
    staff = app.test_client()
    log_in(staff, coordinator)
    years = (date.today().year - 1, date.today().year)

    def figures():
        # The pages' CSRF tokens carry a time stamp: everything else must be equal.
        pages = [re.sub(r'(csrf_token" value=|"X-CSRFToken": )"[^"]+"', "",
                        page_text(client.get(f"/impact?year={year}"))) for year in years]
        sheets = [staff.get(f"/coordinate/reports/{year}.csv") for year in years]
        assert all(sheet.mimetype == "text/csv" for sheet in sheets)
        return pages + [sheet.get_data(as_text=True) for sheet in sheets]

    before = figures()
    assert "hidden: fewer than 5 volunteers" not in before[1]  # the hours are shown
    erase(app, ids["person"], ids["staff"])
    assert figures() == before


def test_a_person_with_no_data_can_be_erased(app, make_user):
    person = make_user("newcomer")
    erase(app, person.id)
    request_id = request_id_of(app, person.id)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.is_erased and user.email == f"erased-{person.id}@erased.invalid"
        assert db.session.get(ErasureRequest, request_id).status == ERASED
    with pytest.raises(ErasureError, match="already been erased"):
        erase(app, person.id)


def test_erasing_an_administrator_leaves_the_others(app, make_user):
    first, second = make_user("admin"), make_user("admin")
    erase(app, first.id)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(UserRole).where(
            UserRole.role == ADMIN)) == 1
    with pytest.raises(ErasureError, match="at least one administrator"):
        erase(app, second.id)


def test_messages_written_to_an_erased_person_no_longer_name_them(app, make_user):
    """A message to one person keeps their name in its group description and text; the
    erasure replaces it (and the message itself is kept for the team)."""
    from mentorship.messaging.models import Message, MessageRecipient
    from mentorship.privacy.erasure import erase

    person = make_user("newcomer", name="Amira Haddad", email="amira.h@example.org")
    staff = make_user("coordinator")
    with app.app_context():
        message = Message(token="erase-me", sender_id=staff.id, group_kind="person",
                          group_names={"person": "Amira Haddad"}, default_locale="en",
                          texts={"en": {"subject": "Amira Haddad, your appointment",
                                        "body": "Dear Amira Haddad, see you Monday."}})
        db.session.add(message)
        db.session.flush()
        db.session.add(MessageRecipient(message_id=message.id, user_id=person.id, locale="en"))
        db.session.commit()
        erase(db.session.get(User, person.id))
        db.session.commit()
        kept = db.session.get(Message, message.id)
        assert "Amira" not in str(kept.group_names) and "Amira" not in str(kept.texts)
        assert kept.texts["en"]["body"].endswith("see you Monday.")


def test_checkins_and_their_answers_are_deleted_and_the_flags_stay_without_notes(
        app, make_user):
    """Their check-ins and answers go (their free text above all); the other newcomer's
    stay. Flags stay for the counts, without the notes about their matches; a note the
    erased coordinator wrote on someone else's match stays. The wording they wrote stays,
    no longer theirs."""
    ids = everything_about(app, make_user)
    uid = ids["person"]
    crowd(app, make_user, size=1)
    with app.app_context():
        elsewhere = db.session.scalar(select(Match.id).where(
            Match.volunteer_id != uid, Match.newcomer_id != uid))
        note = MatchFlag(match_id=elsewhere, reason="support", resolved_at=datetime.now(),
                         resolved_by_id=uid, resolution="Called them both.")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
        flags = db.session.scalar(select(db.func.count()).select_from(MatchFlag))
    erase(app, uid, ids["staff"])
    with app.app_context():
        assert db.session.scalars(select(Checkin.id).where(Checkin.person_id == uid)).all() == []
        assert db.session.scalars(select(CheckinAnswer.text).where(
            CheckinAnswer.text.is_not(None))).all() == [OTHER_ANSWER]
        assert db.session.get(Checkin, ids["other_checkin"]).answers
        assert db.session.scalar(select(db.func.count()).select_from(MatchFlag)) == flags
        own, other = (db.session.get(MatchFlag, ids[key]) for key in ("own_flag", "other_flag"))
        assert (own.reason, own.checkin_id, own.resolution) == ("very_hard", None, None)
        assert own.resolved_at is not None
        assert (other.checkin_id, other.resolution) == (ids["other_checkin"], None)
        assert db.session.get(MatchFlag, note_id).resolution == "Called them both."
        version = db.session.get(CheckinQuestionVersion, ids["question_version"])
        assert version.created_by_id is None
        assert version.texts == {"en": "I feel at home in this city."}
        dump = _text_of([row._asdict() for row in db.session.execute(
            select(CheckinAnswer.text, MatchFlag.resolution).outerjoin(
                MatchFlag, MatchFlag.checkin_id == CheckinAnswer.checkin_id))])
    assert OWN_ANSWER.casefold() not in dump
