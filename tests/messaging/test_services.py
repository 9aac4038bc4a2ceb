"""Who is in each group, which language each person gets, optional messages, sending once."""

import pytest
from sqlalchemy import func, select

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.messaging import services
from mentorship.messaging.models import Message, MessageRecipient
from mentorship.messaging.services import Group, MessageError
from mentorship.programme.services import get_settings

ENGLISH = {"en": ("Training on Thursday", "See you at 6 pm."), "fr": ("", ""),
           "ar": ("", ""), "uk": ("", "")}


def names_in(group):
    return {person.id for person in services.recipients(group, "operational",
                                                          programme_today())}


def test_recipients_of_each_group(app_ctx, community):
    c = community
    assert names_in(Group("session_enrolled", session_id=c.session)) == c.ids("E1", "E2", "E3")
    assert names_in(Group("session_waitlisted", session_id=c.session)) == c.ids("W1", "W2")
    assert names_in(Group("session_enrolled", session_id=c.other_session)) == c.ids("O1")
    assert names_in(Group("volunteers")) == c.ids("V1", "V2", "V3")
    assert names_in(Group("volunteers", role="language_buddy")) == c.ids("V2", "V3")
    assert names_in(Group("volunteers", neighbourhood_id=c.villeneuve)) == c.ids("V1", "V2")
    assert names_in(Group("volunteers", role="language_buddy",
                          neighbourhood_id=c.villeneuve)) == c.ids("V2")
    assert names_in(Group("newcomers_waiting")) == c.ids("N1", "N2")
    assert names_in(Group("newcomers_waiting", role="mentor")) == c.ids("N1")
    assert names_in(Group("newcomers_waiting", neighbourhood_id=c.berriat)) == c.ids("N2")
    assert names_in(Group("match", match_id=c.match)) == c.ids("V1", "N3")
    assert names_in(Group("person", person_id=c.names["E2"])) == c.ids("E2")
    # A disabled account is in no group, even chosen alone.
    assert names_in(Group("person", person_id=c.names["V7"])) == set()


def send(c, group, texts=None, kind="operational", token="t-1"):
    actor = db.session.get(User, c.names["E3"])
    message, sent = services.send_message(actor, token=token, group=group, kind=kind,
                                          texts=texts or ENGLISH, today=programme_today())
    db.session.commit()
    return message, sent


def test_each_person_gets_their_language_else_the_programmes(app_ctx, community, outbox):
    c = community
    texts = {"en": ("Training on Thursday", "See you at 6 pm."),
             "fr": ("Formation jeudi", "À jeudi, 18 h."), "ar": ("", ""), "uk": ("", "")}
    message, sent = send(c, Group("session_enrolled", session_id=c.session), texts)
    assert sent and message.recipient_count == 3
    got = {m["To"]: (m["Subject"], m.get_body(("plain",)).get_content()) for m in outbox}
    emails = dict(db.session.execute(select(User.name, User.email)).all())
    assert got[emails["E1 Person"]][0] == "Formation jeudi"
    assert "À jeudi, 18 h." in got[emails["E1 Person"]][1]
    assert "Bonjour" in got[emails["E1 Person"]][1]  # the greeting in French too
    # Arabic was not written: the programme's default language (English).
    assert got[emails["E2 Person"]][0] == "Training on Thursday"
    assert got[emails["E3 Person"]][0] == "Training on Thursday"
    locales = dict(db.session.execute(select(MessageRecipient.user_id, MessageRecipient.locale))
                   .all())
    assert locales == {c.names["E1"]: "fr", c.names["E2"]: "en", c.names["E3"]: "en"}


def test_the_programmes_default_language_is_required(app_ctx, community):
    get_settings().default_locale = "fr"
    db.session.commit()
    with pytest.raises(MessageError) as refused:
        send(community, Group("session_enrolled", session_id=community.session))
    assert refused.value.field == "body_fr"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_people_without_email_are_kept_to_call(app_ctx, community, outbox):
    c = community
    message, _ = send(c, Group("session_waitlisted", session_id=c.session))
    assert (message.recipient_count, message.emailed_count, message.to_call_count) == (2, 1, 1)
    assert len(outbox) == 1
    rows = dict(db.session.execute(select(MessageRecipient.user_id, MessageRecipient.emailed))
                .all())
    assert rows == {c.names["W1"]: True, c.names["W2"]: False}


def test_optional_messages_respect_the_persons_choice(app_ctx, community, outbox):
    c = community
    db.session.get(User, c.names["E1"]).optional_emails = False
    db.session.commit()
    group = Group("session_enrolled", session_id=c.session)
    today = programme_today()
    assert {p.id for p in services.recipients(group, "optional", today)} == c.ids("E2", "E3")
    message, _ = send(c, group, kind="optional")
    assert message.recipient_count == 2 and len(outbox) == 2
    # Operational messages reach everyone.
    message, _ = send(c, group, kind="operational", token="t-2")
    assert message.recipient_count == 3 and len(outbox) == 5
    # A person alone who declined optional emails: refused, with why.
    with pytest.raises(MessageError) as refused:
        send(c, Group("person", person_id=c.names["E1"]), kind="optional", token="t-3")
    assert refused.value.field == "group"
    assert "optional" in str(refused.value)


def test_the_same_token_sends_once(app_ctx, community, outbox):
    c = community
    group = Group("volunteers")
    first, sent = send(c, group)
    again, sent_again = send(c, group)
    assert sent and not sent_again and again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert len(outbox) == 3
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "message.sent"))
    assert [e.record_id for e in events] == [first.id]


def test_an_empty_group_is_refused_and_nothing_is_sent(app_ctx, community, outbox):
    with pytest.raises(MessageError) as refused:
        send(community, Group("session_enrolled", session_id=community.empty_session))
    assert refused.value.field == "group"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0
    assert outbox == []


@pytest.mark.parametrize(("texts", "field"), [
    ({"en": ("", ""), "fr": ("", ""), "ar": ("", ""), "uk": ("", "")}, "body_en"),
    ({"en": ("Subject only", " "), "fr": ("", ""), "ar": ("", ""), "uk": ("", "")}, "body_en"),
    ({"en": ("", ""), "fr": ("Sujet", "Texte"), "ar": ("", ""), "uk": ("", "")}, "body_en"),
    ({"en": ("Hi", "Text"), "fr": ("", "Texte sans sujet"), "ar": ("", ""), "uk": ("", "")},
     "subject_fr"),
])
def test_texts_are_checked(app_ctx, community, texts, field):
    with pytest.raises(MessageError) as refused:
        send(community, Group("volunteers"), texts)
    assert refused.value.field == field


def test_the_messages_sent_to_a_person(app_ctx, community):
    c = community
    first, _ = send(c, Group("volunteers"))
    second, _ = send(c, Group("person", person_id=c.names["V2"]), token="t-2")
    send(c, Group("person", person_id=c.names["V3"]), token="t-3")
    page = services.messages_to(c.names["V2"])
    assert [row.message.id for row in page.items] == [second.id, first.id]
    assert page.items[0].message.sender.name == "E3 Person"


def test_a_subject_is_one_line(app_ctx, community, outbox):
    texts = dict(ENGLISH, en=("Training\r\non Thursday", "See you."))
    message, _ = send(community, Group("person", person_id=community.names["E1"]), texts)
    assert message.texts["en"]["subject"] == "Training on Thursday"
    assert outbox[0]["Subject"] == "Training on Thursday"
