"""Two sessions at once: one answer kept, one flag, one email."""

import threading
from datetime import timedelta

from mentorship.checkins import services
from mentorship.checkins.models import ANSWERED, MISSED, Checkin, CheckinAnswer
from mentorship.checkins.services import BASELINE_DAYS, CheckinError
from mentorship.extensions import db
from mentorship.matching.models import MatchFlag

from .conftest import user
from .test_services import checkins_of, do, flag_mails, question, start_day


def race(app, *actions):
    """Run each action in its own thread, app context and transaction, all released at
    once; returns each one's outcome ("done" or the refusal)."""
    barrier, outcomes = threading.Barrier(len(actions)), [None] * len(actions)

    def run(index, action):
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                outcomes[index] = "done"
            except CheckinError as error:
                db.session.rollback()
                outcomes[index] = str(error.message)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_two_finishes_at_once_keep_one_answer_one_flag_one_email(
        app, active_match, checkin_of, outbox):
    coordinator, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    with app.app_context():
        welcome = question("welcome").id
    do(app, services.answer, checkin_id, newcomer, welcome, "1")
    outbox.clear()
    outcomes = race(app, lambda: services.finish(checkin_id, user(newcomer)),
                    lambda: services.finish(checkin_id, user(coordinator)))
    assert outcomes.count("done") == 1, outcomes
    assert "already answered" in next(o for o in outcomes if o != "done")
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        assert checkin.status == ANSWERED
        assert checkin.on_behalf == (outcomes[1] == "done")
        assert count(CheckinAnswer, CheckinAnswer.checkin_id == checkin_id) == len(
            services.questions_for("newcomer"))
        assert count(MatchFlag) == 1
    assert len(flag_mails(outbox)) == 1


def test_two_sweeps_at_once_mark_each_miss_once_and_flag_once(app, active_match, outbox):
    _, _, _, _, match_id = active_match()
    late = start_day(app, match_id) + timedelta(days=BASELINE_DAYS + 1)
    outbox.clear()
    missed = []
    outcomes = race(app, lambda: missed.append(services.sweep(late)),
                    lambda: missed.append(services.sweep(late)))
    assert outcomes == ["done", "done"]
    assert sorted(missed) == [0, 2]
    assert set(checkins_of(app, match_id).values()) == {MISSED}
    with app.app_context():
        assert count(MatchFlag) == 1
    assert len(flag_mails(outbox)) == 1
