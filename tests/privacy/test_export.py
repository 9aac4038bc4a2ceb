"""My data: the page and the JSON copy hold everything about the person, and nothing that
is not theirs to see. ``everything_about`` (also used by the erasure tests) gives one
person a row in every table that refers to people."""

from datetime import date, datetime, timedelta

import pytest

from mentorship.accounts.models import LanguageSkill, SignIn, User
from mentorship.audit.models import AuditEvent
from mentorship.audit.services import NOT_ABOUT
from mentorship.awards.models import (
    AwardCategory,
    AwardCycle,
    Decline,
    Juror,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)
from mentorship.checkins.models import (
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)
from mentorship.checkins.services import ensure_questions
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.mail import SentEmail
from mentorship.matching.models import BuddyRequest, Match, MatchFlag
from mentorship.messaging.models import Message, MessageRecipient
from mentorship.people.models import Invitation
from mentorship.privacy.export import EXEMPT, LINKED
from mentorship.privacy.models import Consent, ErasureRequest, PrivacyNotice
from mentorship.programme.models import Neighbourhood
from mentorship.recognition.models import Partner, PartnerStaff, Pass, Perk
from mentorship.reports.models import PublishedReport, SentReminder
from mentorship.training.models import (
    CalendarFeed,
    Certificate,
    Enrollment,
    ModuleCompletion,
    QuizAttempt,
    TrainingModule,
    TrainingSession,
)
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import PASSWORD, Account, count_queries, log_in, page_text

NAME, EMAIL, PHONE = "Олена Коваленко", "olena.k@example.org", "+380 67 123 4567"
# Check-in answers: the person's own, and the other newcomer's on the person's match.
OWN_ANSWER = "A French course in the evening, near the station."
OTHER_ANSWER = "Only for the team: my landlord shouts at me."
NOMINATOR = "Bartholomew Nominator"
OTHER_VOLUNTEER = "Ingrid Volunteer-Secret"


def linked_columns(metadata):
    """(table, column) of every column that refers to users.id."""
    return {(table.name, column.name) for table in metadata.sorted_tables
            for column in table.columns
            if any(fk.column.table.name == "users" for fk in column.foreign_keys)}


def everything_about(app, make_user, today=None):
    """A person (resident, newcomer, coordinator and partner at once) with a row in every
    table that refers to people, texts naming them, and the people around them. Returns
    a dict of ids."""
    today = today or date.today()
    person = make_user("resident", "newcomer", "coordinator", "partner", name=NAME, email=EMAIL)
    other_volunteer = make_user("resident", name=OTHER_VOLUNTEER,
                                email="ingrid.secret@example.org")
    other_newcomer = make_user("newcomer", name="Tariq Newcomer")
    staff = make_user("coordinator", name="Claire Staff")
    nominator = make_user("resident", name=NOMINATOR)
    with app.app_context():
        uid, now = person.id, datetime.now().replace(microsecond=0)
        user = db.session.get(User, uid)
        place = Neighbourhood(name="Berriat")
        db.session.add(place)
        db.session.flush()
        user.phone, user.neighbourhood_id, user.last_login_at = PHONE, place.id, now
        user.languages = [LanguageSkill(language="uk", level="native")]
        mention = f"Talked with {NAME} ({EMAIL}, {PHONE})."
        add = db.session.add_all
        add([Consent(user_id=uid, version=1), SignIn(user_id=uid, token_hash="f" * 64),
             PrivacyNotice(version=1, locale="en", body="Notice.", published_by_id=uid),
             PublishedReport(year=today.year - 1, data={}, published_by_id=uid,
                             note="First edition.")])
        open_application = Application(
            user_id=uid, role="housing_helper", open_role="housing_helper",
            motivation=f"I am {NAME}, call me on {PHONE}.", availability=["mon-evening"],
            start_date=today, pledge_end_date=today + timedelta(days=200))
        approved = Application(
            user_id=uid, role="mentor", status="approved", motivation=mention,
            decision_message=f"Welcome {NAME}!", decided_by_id=staff.id, decided_at=now,
            start_date=today - timedelta(days=60), pledge_end_date=today + timedelta(days=140))
        add([open_application, approved])
        db.session.flush()
        commitment = Commitment(
            user_id=uid, role="mentor", current_role="mentor", application_id=approved.id,
            status="active", start_date=today - timedelta(days=60),
            end_date=today + timedelta(days=400), activated_at=now - timedelta(days=60))
        ended = Commitment(user_id=uid, role="language_buddy", status="ended_early",
                           start_date=today - timedelta(days=300),
                           end_date=today - timedelta(days=100), ended_on=today - timedelta(
                               days=200), end_reason="personal", end_note=mention,
                           ended_by_id=staff.id)
        their_commitment = Commitment(
            user_id=other_volunteer.id, role="mentor", current_role="mentor", status="active",
            start_date=today - timedelta(days=30), end_date=today + timedelta(days=300))
        add([commitment, ended, their_commitment])
        my_request = BuddyRequest(user_id=uid, role="mentor", current_role="mentor",
                                  status="matched", needs=["procedures"], note=mention,
                                  neighbourhood_id=place.id, preferred_contact="phone")
        open_request = BuddyRequest(user_id=uid, role="language_buddy",
                                    current_role="language_buddy", target_language="fr",
                                    note=f"Email {EMAIL}")
        their_request = BuddyRequest(user_id=other_newcomer.id, role="mentor",
                                     current_role="mentor", status="matched")
        add([my_request, open_request, their_request])
        db.session.flush()
        as_newcomer = Match(request_id=my_request.id, commitment_id=their_commitment.id,
                            volunteer_id=other_volunteer.id, newcomer_id=uid, status="active",
                            activated_at=now, proposed_by_id=staff.id, end_note=mention,
                            override_note=f"{NAME} needs someone patient.")
        as_volunteer = Match(request_id=their_request.id, commitment_id=commitment.id,
                             volunteer_id=uid, newcomer_id=other_newcomer.id, status="active",
                             activated_at=now, proposed_by_id=staff.id)
        add([as_newcomer, as_volunteer])
        db.session.flush()
        add([HourEntry(user_id=uid, commitment_id=commitment.id, match_id=as_volunteer.id,
                       day=today, minutes=90, activity="meeting", status="approved",
                       note=mention, decided_by_id=staff.id, decided_at=now),
             HourEntry(user_id=other_volunteer.id, match_id=as_newcomer.id, day=today,
                       minutes=60, activity="meeting", status="approved",
                       note=f"Coffee with {NAME.split()[0]} at the library.")])
        module = TrainingModule(title="Welcoming newcomers", kind="both")
        add([module])
        db.session.flush()
        future = TrainingSession(module_id=module.id, starts_at=now + timedelta(days=5),
                                 ends_at=now + timedelta(days=5, hours=2), capacity=1)
        past = TrainingSession(module_id=module.id, starts_at=now - timedelta(days=50),
                               ends_at=now - timedelta(days=50, hours=-2))
        add([future, past])
        db.session.flush()
        add([Enrollment(session_id=future.id, user_id=uid),
             Enrollment(session_id=future.id, user_id=other_volunteer.id, status="waitlisted"),
             Enrollment(session_id=past.id, user_id=uid, status="attended"),
             ModuleCompletion(user_id=uid, module_id=module.id, completed_on=today,
                              via="session"),
             QuizAttempt(user_id=uid, module_id=module.id, score=90, passed=True),
             Certificate(user_id=uid, role="mentor", holder_name=NAME, programme_name="P",
                         modules=[{"title": "Welcoming newcomers", "completed_on": "2026-01-01"}],
                         issued_on=today, revoked_by_id=staff.id),
             CalendarFeed(user_id=uid)])
        partner = Partner(name="City Museum")
        add([partner])
        db.session.flush()
        perk = Perk(partner_id=partner.id, titles={"en": "Museum visit"}, valid_from=today,
                    valid_until=today + timedelta(days=90))
        add([perk, PartnerStaff(partner_id=partner.id, user_id=uid)])
        db.session.flush()
        add([Pass(perk_id=perk.id, user_id=uid, expires_on=today + timedelta(days=30)),
             Pass(perk_id=perk.id, user_id=uid, status="redeemed", redeemed_at=now,
                  redeemed_by_id=uid, expires_on=today + timedelta(days=30),
                  revoked_by_id=staff.id)])
        ids = {"account": Account(uid, EMAIL, PASSWORD, NAME), "person": uid,
               "other_volunteer": other_volunteer.id,
               "other_newcomer": other_newcomer.id, "staff": staff.id,
               "nominator": nominator.id, "commitment": commitment.id,
               "future_session": future.id, "match_as_newcomer": as_newcomer.id,
               "match_as_volunteer": as_volunteer.id, "open_request": open_request.id,
               "open_application": open_application.id}
        ids.update(_awards(uid, staff.id, nominator.id, other_volunteer.id, today, now))
        ids.update(_checkins(uid, staff.id, other_newcomer.id, as_newcomer.id,
                             as_volunteer.id, today, now))
        message = Message(token=f"t{uid}", sender_id=staff.id, group_kind="person",
                          texts={"en": {"subject": f"Hello {NAME}", "body": "See you."}},
                          default_locale="en", recipient_count=1, emailed_count=1)
        add([message])
        db.session.flush()
        add([MessageRecipient(message_id=message.id, user_id=uid, locale="en"),
             Invitation(user_id=uid, code_hash=f"h{uid}", created_by_id=staff.id,
                        expires_at=now + timedelta(days=30), used_at=now)])
        add([SentEmail(recipient_id=uid, template="welcome", subject=f"Welcome {NAME}"),
             SentReminder(key=f"reminder-{uid}", recipient_id=uid),
             ErasureRequest(user_id=uid, confirmed_by_id=staff.id),
             AuditEvent(actor_id=uid, action="match.declined", record_type="Match",
                        record_id=as_newcomer.id, message=mention),
             AuditEvent(actor_id=staff.id, action="role.granted", record_type="User",
                        record_id=uid, message=f"{NAME} asked for it.",
                        data={"note": f"{NAME} <{EMAIL}>"}),
             AuditEvent(actor_id=staff.id, action="application.reject", record_type="Application",
                        record_id=approved.id, message=f"Sorry {NAME}.")])
        db.session.commit()
    return ids


def _checkins(uid, staff_id, other_id, as_newcomer_id, as_volunteer_id, today, now):
    """Their start check-ins on both sides (the newcomer's answered by a coordinator on
    their behalf, with a free text), the other newcomer's on the match where they
    volunteer, a flag each of those raised (resolved, one by the person as a
    coordinator), and a question wording the person wrote."""
    ensure_questions()
    questions = {q.key: q for q in db.session.scalars(db.select(CheckinQuestion))}
    welcome = questions["welcome"]
    welcome.versions.append(CheckinQuestionVersion(
        version=2, texts={"en": "I feel at home in this city."}, created_by_id=uid))
    welcome.version = 2
    db.session.flush()

    def checkin(match_id, person_id, audience, answers, by):
        found = Checkin(match_id=match_id, person_id=person_id, audience=audience,
                        moment="baseline", opens_on=today, due_on=today + timedelta(days=7),
                        status="answered", answered_at=now, answered_by_id=by,
                        on_behalf=by != person_id)
        db.session.add(found)
        db.session.flush()
        for key, answer in answers.items():
            question = questions[key]
            db.session.add(CheckinAnswer(
                checkin_id=found.id, question_id=question.id,
                question_version_id=question.current.id,
                value=None if isinstance(answer, str) else answer,
                text=answer if isinstance(answer, str) else None))
        return found

    own = checkin(as_newcomer_id, uid, "newcomer",
                  {"language": 1, "welcome": 4, "help": OWN_ANSWER}, staff_id)
    as_volunteer = checkin(as_volunteer_id, uid, "volunteer",
                           {"going": 4, "note": f"{NAME} enjoys it."}, uid)
    other = checkin(as_volunteer_id, other_id, "newcomer",
                    {"language": 1, "help": OTHER_ANSWER}, other_id)
    db.session.flush()
    flags = [MatchFlag(match_id=as_newcomer_id, reason="very_hard", checkin_id=own.id,
                       resolved_at=now, resolved_by_id=staff_id,
                       resolution=f"Called {NAME}: a course starts in May."),
             MatchFlag(match_id=as_volunteer_id, reason="very_hard", checkin_id=other.id,
                       resolved_at=now, resolved_by_id=uid,
                       resolution="Met the newcomer with their volunteer.")]
    db.session.add_all(flags)
    db.session.flush()
    return {"own_checkin": own.id, "volunteer_checkin": as_volunteer.id,
            "other_checkin": other.id, "own_flag": flags[0].id, "other_flag": flags[1].id,
            "question_version": welcome.current.id}


def _awards(uid, staff_id, nominator_id, colleague_id, today, now):
    """An announced cycle the person won and chaired, and an open one where they nominate,
    are nominated and sit on the jury."""
    def cycle(year, state, chair):
        found = AwardCycle(year=year, state=state, nominations_open_on=today,
                           nominations_close_on=today, voting_deadline=today, ceremony_at=now,
                           chair_id=chair, descriptions={"en": "The volunteer award."})
        found.categories = [AwardCategory(code="mentor_of_the_year", role="mentor")]
        db.session.add(found)
        db.session.flush()
        return found, found.categories[0]

    citation = f"{NAME} helped everyone in the building, always with a smile and patience."
    old, old_category = cycle(today.year - 1, "announced", uid)
    old_category.winner_id = old_category.tie_break_winner_id = uid
    old_category.tie_break_reason = f"{NAME} had more nominations."
    new, new_category = cycle(today.year, "nominations_open", staff_id)
    db.session.add_all([
        Juror(cycle_id=old.id, user_id=uid), Juror(cycle_id=new.id, user_id=uid),
        Nomination(cycle_id=old.id, category_id=old_category.id, nominator_id=nominator_id,
                   nominee_id=uid, citation=citation, public_citation=citation),
        Nomination(cycle_id=old.id, category_id=old_category.id, nominator_id=uid,
                   nominee_id=colleague_id, citation=f"Nominated by {NAME}: great work."),
        Nomination(cycle_id=new.id, category_id=new_category.id, nominator_id=nominator_id,
                   nominee_id=uid, citation=citation),
        Nomination(cycle_id=new.id, category_id=new_category.id, nominator_id=uid,
                   nominee_id=colleague_id, citation=citation, reviewed_by_id=staff_id),
        Shortlisted(category_id=old_category.id, nominee_id=uid),
        Shortlisted(category_id=new_category.id, nominee_id=uid),
        Vote(category_id=old_category.id, nominee_id=colleague_id, juror_id=uid, score=4,
             comment=f"{NAME}'s view: solid."),
        Vote(category_id=old_category.id, nominee_id=uid, juror_id=staff_id, score=5,
             comment=f"Go {NAME}!"),
        Vote(category_id=new_category.id, nominee_id=colleague_id, juror_id=uid, score=3),
        Decline(cycle_id=new.id, user_id=uid),
        PublicConsent(cycle_id=old.id, user_id=uid)])
    return {"announced_cycle": old.id, "open_cycle": new.id}


def test_every_column_referring_to_people_is_exported_or_exempt(app):
    linked = linked_columns(db.metadata)
    assert linked == set(LINKED) | set(EXEMPT), (
        "A column refers to users.id: add it to privacy.export.LINKED (and the export) "
        f"or, with a reason, to EXEMPT. Missing: {sorted(linked - set(LINKED) - set(EXEMPT))}, "
        f"stale: {sorted((set(LINKED) | set(EXEMPT)) - linked)}")
    assert not set(LINKED) & set(EXEMPT)
    assert all(reason.strip() for reason in EXEMPT.values())


def test_audit_entries_about_a_person_follow_the_columns_exempt_from_the_copy(app):
    """A record is "about" a person unless the column naming them is a staff member's
    (or otherwise not their data): the same review as EXEMPT, plus a jury's chair and
    the author of an audit entry (their own actions, in audit.by_me)."""
    not_their_data = set(EXEMPT) | {("award_cycles", "chair_id"), ("audit_events", "actor_id")}
    assert set(NOT_ABOUT) == not_their_data


def test_the_log_about_them_covers_their_records_but_not_others_notes(app, make_user, client):
    """A decision on their application is in the copy with its message; a coordinator's
    note on their match is not (the copy never shows it), their own decline note is."""
    ids = everything_about(app, make_user)
    with app.app_context():
        db.session.add_all([
            AuditEvent(actor_id=ids["staff"], action="match.ended_early", record_type="Match",
                       record_id=ids["match_as_newcomer"], message="Staff-only remark."),
            AuditEvent(actor_id=ids["staff"], action="hours.rejected", record_type="HourEntry",
                       record_id=db.session.scalar(db.select(HourEntry.id).where(
                           HourEntry.user_id == ids["person"])), message="Twice the same day."),
            AuditEvent(actor_id=ids["staff"], action="attendance.attended",
                       record_type="Enrollment", record_id=db.session.scalar(
                           db.select(Enrollment.id).where(Enrollment.user_id == ids["person"],
                                                          Enrollment.status == "attended")))])
        db.session.commit()
    log_in(client, ids["account"])
    about_me = client.get("/account/my-data.json").json["audit"]["about_me"]
    found = {(e["record_type"], e["action"], e["message"]) for e in about_me}
    assert {("Application", "application.reject", f"Sorry {NAME}."),
            ("HourEntry", "hours.rejected", "Twice the same day."),
            ("Enrollment", "attendance.attended", None),
            ("Match", "match.declined", f"Talked with {NAME} ({EMAIL}, {PHONE})."),
            ("Match", "match.ended_early", None),
            ("User", "role.granted", f"{NAME} asked for it.")} <= found
    assert "Staff-only remark." not in str(about_me)
    page = page_text(client.get("/account/my-data"))
    assert "<code>application.reject</code> · Sorry Олена Коваленко.</li>" in page
    assert "Twice the same day." in page and "Staff-only remark." not in page


def section(data, path):
    for key in path.split("."):
        data = data[key]
    return data


def test_the_copy_has_a_row_for_every_linked_column(app, make_user, client):
    ids = everything_about(app, make_user)
    log_in(client, ids["account"])
    data = client.get("/account/my-data.json").json
    empty = sorted({path for path in LINKED.values() if not section(data, path)})
    assert empty == [], f"sections without the person's rows: {empty}"
    assert data["account"]["email"] == EMAIL and data["account"]["phone"] == PHONE
    assert data["sign_ins"]["count"] >= 1
    assert {m["side"] for m in data["matches"]} == {"volunteer", "newcomer"}


def test_the_copy_shows_nothing_that_is_not_theirs(app, make_user, client):
    ids = everything_about(app, make_user)
    with app.app_context():
        person = db.session.get(User, ids["person"])
        secrets = [person.password_hash, "f" * 64,
                   *db.session.scalars(db.select(Pass.code).where(Pass.user_id == person.id)),
                   *db.session.scalars(db.select(Pass.short_code)),
                   *db.session.scalars(db.select(Certificate.code)),
                   *db.session.scalars(db.select(CalendarFeed.token))]
    log_in(client, ids["account"])
    for url in ("/account/my-data.json", "/account/my-data"):
        text = page_text(client.get(url))
        for secret in secrets:
            assert secret not in text, url
        # The other person of a match: first name only, never their contact details.
        assert "Ingrid" in text and "Volunteer-Secret" not in text and "ingrid.secret" not in text
        # Who nominated them stays private.
        assert "Bartholomew" not in text, url


def test_the_page_is_in_the_persons_language(app, make_user, client):
    account = make_user("resident", locale="fr")
    with app.app_context():
        db.session.add(Application(user_id=account.id, role="mentor", open_role="mentor",
                                   motivation="Je veux aider.", start_date=date(2026, 3, 2),
                                   pledge_end_date=date(2026, 9, 2),
                                   submitted_at=datetime(2026, 1, 15, 10, 0)))
        db.session.commit()
    log_in(client, account)
    text = page_text(client.get("/account/my-data"))
    assert "En attente de décision" in text  # the application's state, translated
    assert "janv. 2026" in text  # a date in French
    assert "Je veux aider." in text


@pytest.mark.parametrize("roles", [("resident",), ("newcomer",), ("partner",)])
def test_a_person_with_no_data_gets_a_copy(client, login_as, roles):
    account = login_as(*roles)
    assert client.get("/account/my-data").status_code == 200
    data = client.get("/account/my-data.json").json
    assert data["account"]["email"] == account.email
    assert data["matches"] == [] and data["hours"] == [] and data["erasure_request"] is None


def test_my_data_needs_a_login(client):
    for url in ("/account/my-data", "/account/my-data.json"):
        response = client.get(url)
        assert response.status_code in (302, 303) and "/login" in response.location


def _add_rows(app, user_id, first, last):
    with app.app_context():
        for n in range(first, last):
            entry = HourEntry(user_id=user_id, day=date(2026, 1, 1) + timedelta(days=n % 300),
                              minutes=60, activity="other", status="pending", note=f"n{n}")
            db.session.add_all([
                entry, SentEmail(recipient_id=user_id, template="welcome", subject=f"s{n}"),
                SignIn(user_id=user_id, token_hash=f"{user_id:08d}{n:056d}")])
            db.session.flush()
            db.session.add_all([
                AuditEvent(actor_id=user_id, action="test", record_type="User",
                           record_id=user_id, message=f"m{n}"),
                AuditEvent(action="hours.approved", record_type="HourEntry", record_id=entry.id,
                           message=f"h{n}")])
        db.session.commit()


def test_the_page_is_bounded_in_rows_and_queries(app, make_user, client):
    account = make_user("resident")
    log_in(client, account)
    _add_rows(app, account.id, 0, 2)
    with count_queries(app) as few:
        assert client.get("/account/my-data").status_code == 200
    _add_rows(app, account.id, 2, 62)
    with count_queries(app) as many:
        response = client.get("/account/my-data")
    assert many.count == few.count
    text = page_text(response)
    assert "· m61</li>" in text and "· m41</li>" not in text  # the newest 20
    assert "· h61</li>" in text and "· h51</li>" not in text  # about their hours too
    assert "the download has them all" in text
    assert len(client.get("/account/my-data.json").json["hours"]) == 62


def test_the_copy_has_their_checkins_and_nothing_of_the_other_persons(app, make_user, client):
    """Their answers (with the wording asked, its version kept), the flags their answers
    raised (not the coordinator's note), the wording they wrote; never the other newcomer's
    answers nor the flag those raised."""
    ids = everything_about(app, make_user)
    log_in(client, ids["account"])
    response = client.get("/account/my-data.json")
    data = response.json["checkins"]
    assert {(c["audience"], c["moment"]) for c in data["checkins"]} == {
        ("newcomer", "baseline"), ("volunteer", "baseline")}
    own = next(c for c in data["checkins"] if c["audience"] == "newcomer")
    assert own["status"] == "answered" and own["on_behalf"] is True
    answers = {a["question"]: a for a in own["answers"]}
    assert answers["help"]["answer"] == OWN_ANSWER and answers["help"]["value"] is None
    assert (answers["language"]["value"], answers["language"]["answer"]) == (1, "Very hard")
    assert (answers["welcome"]["question_version"], answers["welcome"]["wording"]) == (
        2, "I feel at home in this city.")
    assert answers["language"]["wording"].startswith("I can manage everyday conversations")
    assert [(f["reason"], f["moment"]) for f in data["flags"]] == [("very_hard", "baseline")]
    assert [(v["key"], v["version"], v["texts"]) for v in data["question_versions"]] == [
        ("welcome", 2, {"en": "I feel at home in this city."})]
    text = response.get_data(as_text=True)
    assert OWN_ANSWER in text
    for secret in (OTHER_ANSWER, "a course starts in May", "Met the newcomer"):
        assert secret not in text
