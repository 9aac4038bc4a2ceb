from mentorship.checkins import flags, services
from mentorship.checkins.models import ANSWERED, Checkin
from mentorship.extensions import db
from mentorship.matching.models import MatchFlag

from .conftest import user


def test_an_active_match_opens_baseline_checkins_and_a_very_hard_answer_flags_it(
        app, active_match, checkin_of):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    assert checkin_id is not None
    assert checkin_of(match_id, "volunteer") is not None
    with app.app_context():
        questions = services.questions_for("newcomer")
        assert [q.key for q in questions][:2] == ["language", "procedures"]
        services.answer(checkin_id, user(newcomer), questions[0].id, "1")
        services.answer(checkin_id, user(newcomer), questions[1].id, skip=True)
        db.session.commit()
        services.finish(checkin_id, user(newcomer))
        db.session.commit()
        checkin = db.session.get(Checkin, checkin_id)
        assert checkin.status == ANSWERED
        assert len(checkin.answers) == len(questions)
        assert sum(a.skipped for a in checkin.answers) == len(questions) - 1
        flag = db.session.scalar(db.select(MatchFlag))
        assert flag.reason == "very_hard"
        outbox = app.extensions.get("outbox", [])
        assert any("attention" in m["Subject"] for m in outbox)
        flags.resolve(user(coordinator), flag.id, "Called them both")
        db.session.commit()
        assert db.session.get(MatchFlag, flag.id).resolved_at is not None
