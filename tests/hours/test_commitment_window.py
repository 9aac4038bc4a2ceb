"""Hours follow the commitment: nothing dated after its end, time before the end can be
caught up for CATCH_UP_DAYS, another current commitment keeps its own period."""

import re
from datetime import timedelta

import pytest

from mentorship.dates import add_months
from mentorship.extensions import db
from mentorship.hours import services
from mentorship.hours.models import HourEntry
from mentorship.volunteering import services as volunteering
from mentorship.volunteering.models import Commitment
from tests.conftest import log_in, page_text
from tests.hours.conftest import entry_form, user

HoursError = services.HoursError
CATCH_UP = services.CATCH_UP_DAYS


def log(app, account, match_id, day, today, activity="meeting", minutes=60):
    with app.app_context():
        entry = services.log_hours(user(account), token=None, day=day, minutes=minutes,
                                   activity=activity, match_id=match_id, note="", today=today)
        db.session.commit()
        return entry.id, entry.commitment_id


def commitment_of(app, account):
    with app.app_context():
        return db.session.scalar(db.select(Commitment.id).where(
            Commitment.user_id == account.id).order_by(Commitment.id))


def end_early(app, account, on, make_user):
    """The coordinator ends the volunteer's commitment (and its match) on ``on``."""
    coordinator = make_user("coordinator")
    commitment_id = commitment_of(app, account)
    with app.app_context():
        volunteering.end_early(user(coordinator), commitment_id, "personal", "", on,
                               end_matches=True)
        db.session.commit()
    return commitment_id


def test_ended_early_no_hours_after_the_end_but_up_to_it(app, matched_volunteer, make_user,
                                                        today):
    volunteer, _, match_id = matched_volunteer()
    ended_on = today - timedelta(days=10)
    commitment_id = end_early(app, volunteer, ended_on, make_user)
    for day in (ended_on + timedelta(days=1), today):
        with pytest.raises(HoursError, match="ended on") as refused:
            log(app, volunteer, match_id, day, today)
        assert refused.value.field == "day"
        with pytest.raises(HoursError, match="ended on"):
            log(app, volunteer, None, day, today, activity="event")
    assert log(app, volunteer, match_id, ended_on, today)[1] == commitment_id
    assert log(app, volunteer, None, ended_on - timedelta(days=3), today,
               activity="event")[1] == commitment_id


def test_completed_no_hours_after_the_end_date(app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    end = today - timedelta(days=5)
    with app.app_context():
        commitment = db.session.get(Commitment, commitment_of(app, volunteer))
        # Served by date, not yet recorded by the sweep: completed all the same.
        commitment.end_date = end
        db.session.commit()
    with pytest.raises(HoursError, match="ended on"):
        log(app, volunteer, match_id, end + timedelta(days=1), today)
    log(app, volunteer, match_id, end, today)
    with app.app_context():
        volunteering.sweep_commitments(today)
        db.session.commit()
    with pytest.raises(HoursError, match="ended on"):
        log(app, volunteer, match_id, today, today)
    log(app, volunteer, None, end - timedelta(days=1), today, activity="event")


def test_catch_up_window_closes_after_its_days(app, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    ended_on = today - timedelta(days=20)
    end_early(app, volunteer, ended_on, make_user)
    last_open = ended_on + timedelta(days=CATCH_UP)
    log(app, volunteer, None, ended_on, last_open, activity="event")
    with pytest.raises(HoursError, match=f"up to {CATCH_UP} days after") as refused:
        log(app, volunteer, None, ended_on - timedelta(days=1), last_open + timedelta(days=1),
            activity="event")
    assert refused.value.field == "day"
    with app.app_context():
        assert services.may_log(volunteer.id, last_open)
        assert not services.may_log(volunteer.id, last_open + timedelta(days=1))


def test_another_current_commitment_keeps_its_own_period(app, matched_volunteer, make_user,
                                                         today):
    volunteer, _, match_id = matched_volunteer()
    ended_on = today - timedelta(days=10)
    end_early(app, volunteer, ended_on, make_user)
    with app.app_context():
        other = Commitment(user_id=volunteer.id, role="language_buddy",
                           current_role="language_buddy", status="active",
                           start_date=today - timedelta(days=30),
                           end_date=add_months(today, 5), min_months=6)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    # Time for the programme after the mentor commitment ended counts for the other role.
    assert log(app, volunteer, None, today, today, activity="event")[1] == other_id
    # The ended mentor match does not move to the other role.
    with pytest.raises(HoursError, match="ended on"):
        log(app, volunteer, match_id, today, today)


def test_a_renewed_commitment_takes_the_match_and_earlier_time_counts_for_the_old_one(
        app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    old_id = commitment_of(app, volunteer)
    end = today - timedelta(days=3)
    with app.app_context():
        db.session.get(Commitment, old_id).end_date = end
        db.session.commit()
        renewed = volunteering.renew(user(volunteer), old_id, today)
        db.session.commit()
        renewed_id = renewed.id
    assert log(app, volunteer, match_id, today, today)[1] == renewed_id
    assert log(app, volunteer, match_id, end - timedelta(days=1), today)[1] == old_id
    # Between the end and a late renewal, nobody was committed.
    with pytest.raises(HoursError, match="ended on"):
        log(app, volunteer, match_id, end + timedelta(days=1), today)


def test_the_form_says_why_next_to_the_date(app, client, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    ended_on = today - timedelta(days=4)
    end_early(app, volunteer, ended_on, make_user)
    log_in(client, volunteer)
    html = page_text(client.get("/hours"))
    assert "logging-window" in html and "you can still add time" in html
    assert f'max="{ended_on.isoformat()}"' in html
    response = client.post("/hours", data=entry_form(None, today, activity="event",
                                                     note="Kept"))
    assert response.status_code == 422
    html = page_text(response)
    day_field = re.search(r'<div class="field[^"]*has-error[^"]*">(.*?)</div>', html, re.S)
    assert day_field and 'name="day"' in day_field.group(1)
    assert "ended on" in day_field.group(1)
    assert "Kept</textarea>" in html
    # The same through htmx (the form posts into #hours-main): the fragment alone, 422,
    # the message next to the date, the note kept.
    response = client.post("/hours", data=entry_form(None, today, activity="event",
                                                     note="Kept"),
                           headers={"HX-Request": "true", "HX-Target": "hours-main",
                                    "HX-Current-URL": "http://localhost/hours"})
    assert response.status_code == 422
    fragment = page_text(response)
    assert "<html" not in fragment and "Kept</textarea>" in fragment
    day_field = re.search(r'<div class="field[^"]*has-error[^"]*">(.*?)</div>', fragment, re.S)
    assert day_field and 'name="day"' in day_field.group(1) and "ended on" in day_field.group(1)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 0


def test_once_the_window_closed_the_page_shows_history_without_a_form(app, client,
                                                                      matched_volunteer,
                                                                      make_user, today):
    volunteer, _, match_id = matched_volunteer()
    ended_on = today - timedelta(days=CATCH_UP + 1)
    with app.app_context():
        commitment = db.session.get(Commitment, commitment_of(app, volunteer))
        commitment.start_date = ended_on - timedelta(days=40)
        db.session.commit()
    day = ended_on - timedelta(days=2)
    entry_id, _ = log(app, volunteer, match_id, day, ended_on)
    end_early(app, volunteer, ended_on, make_user)
    log_in(client, volunteer)
    html = page_text(client.get(f"/hours?month={day:%Y-%m}"))
    assert "New hours can no longer be added" in html
    assert 'action="/hours"' not in html and "My totals" in html
    # The pending entry can still be deleted, no longer changed.
    assert f"/hours/{entry_id}/delete" in html and f"/hours/{entry_id}/edit" not in html
    response = client.post("/hours", data=entry_form(None, ended_on, activity="event"))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 1
