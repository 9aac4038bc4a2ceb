import csv
import io
import threading
from datetime import timedelta

import pytest

from mentorship.extensions import db
from mentorship.hours import services
from mentorship.hours.models import HourEntry
from tests.conftest import count_queries, log_in, page_text
from tests.hours.conftest import entry_form, minus, user

HoursError = services.HoursError


def log(app, account, match_id, day, minutes=60, activity="meeting", token=None, **kwargs):
    with app.app_context():
        entry = services.log_hours(user(account), token=token, day=day, minutes=minutes,
                                   activity=activity, match_id=match_id, note="",
                                   today=kwargs.pop("today", None) or day, **kwargs)
        db.session.commit()
        return entry.id


def approve(app, coordinator, ids, decision="approved", reason=None):
    with app.app_context():
        services.decide(user(coordinator), ids, decision, reason)
        db.session.commit()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"day": "future"}, "day", "cannot be in the future"),
    ({"day": "before"}, "day", "before your commitment started"),
    ({"minutes": 4}, "duration", "At least 5 minutes"),
    ({"minutes": 12 * 60 + 1}, "duration", "At most 12 hours"),
    ({"match_id": None}, "match", "choose the newcomer you met"),
])
def test_each_rule(app, matched_volunteer, today, changes, field, message):
    volunteer, _, match_id = matched_volunteer()
    day = today - timedelta(days=1)
    if changes.get("day") == "future":
        day = today + timedelta(days=1)
    elif changes.get("day") == "before":
        day = volunteer.commitment_start - timedelta(days=1)
    with pytest.raises(HoursError, match=message) as error:
        log(app, volunteer, changes.get("match_id", match_id), day,
            minutes=changes.get("minutes", 60), today=today)
    assert error.value.field == field


def test_day_total_at_most_16_hours(app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    day = today - timedelta(days=1)
    log(app, volunteer, match_id, day, minutes=12 * 60, today=today)
    log(app, volunteer, None, day, minutes=4 * 60, activity="event", today=today)
    with pytest.raises(HoursError, match="more than 16 hours"):
        log(app, volunteer, None, day, minutes=5, activity="other", today=today)


def test_near_duplicate_asks_for_confirmation(app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    day = today - timedelta(days=2)
    log(app, volunteer, match_id, day, minutes=90, today=today)
    with pytest.raises(services.NearDuplicate):
        log(app, volunteer, match_id, day, minutes=90, today=today)
    log(app, volunteer, match_id, day, minutes=90, today=today, confirm_duplicate=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 2


def test_only_own_matches(app, matched_volunteer, today):
    volunteer, _, _ = matched_volunteer()
    _, _, other_match = matched_volunteer(name="Someone Else")
    with pytest.raises(HoursError, match="one of your own matches"):
        log(app, volunteer, other_match, today, today=today)


def test_same_token_twice_creates_one_entry(app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    first = log(app, volunteer, match_id, today, token="abc", today=today)
    second = log(app, volunteer, match_id, today, token="abc", today=today)
    assert first == second
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 1


def test_concurrent_retries_with_one_token_create_one_entry(app, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    barrier, ids, errors = threading.Barrier(4), [], []

    def run():
        barrier.wait()
        try:
            ids.append(log(app, volunteer, match_id, today, token="same", today=today))
        except Exception as error:  # collected below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(set(ids)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 1


def test_concurrent_entries_never_exceed_the_day_total(app, matched_volunteer, today):
    volunteer, _, _ = matched_volunteer()
    barrier, outcomes = threading.Barrier(3), []

    def run(index):
        barrier.wait()
        try:
            log(app, volunteer, None, today, minutes=10 * 60, activity="event",
                token=f"t{index}", today=today)
            outcomes.append("saved")
        except HoursError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "refused", "saved"]


def test_approved_entries_are_locked(app, client, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    approve(app, make_user("coordinator"), [entry_id])
    with app.app_context(), pytest.raises(HoursError, match="can no longer be changed"):
        services.delete_hours(user(volunteer), entry_id)
    log_in(client, volunteer)
    response = client.post(f"/hours/{entry_id}/edit", data=entry_form(match_id, today,
                                                                      hours=3))
    assert response.status_code == 303
    assert client.post(f"/hours/{entry_id}/delete").status_code == 303
    with app.app_context():
        entry = db.session.get(HourEntry, entry_id)
        assert (entry.minutes, entry.status) == (60, "approved")


def test_bulk_approve_applies_none_when_one_fails(app, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    first = log(app, volunteer, match_id, today - timedelta(days=1), today=today)
    second = log(app, volunteer, match_id, today - timedelta(days=2), today=today)
    third = log(app, volunteer, match_id, today - timedelta(days=3), today=today)
    approve(app, coordinator, [second])
    with pytest.raises(services.BulkRefused) as refused:
        approve(app, coordinator, [first, second, third])
    assert [entry_id for entry_id, _ in refused.value.failures] == [second]
    with app.app_context():
        statuses = {e.id: e.status for e in db.session.scalars(db.select(HourEntry))}
    assert statuses == {first: "pending", second: "approved", third: "pending"}
    approve(app, coordinator, [first, third])
    with app.app_context():
        assert {e.status for e in db.session.scalars(db.select(HourEntry))} == {"approved"}


def test_reject_needs_a_reason_and_the_volunteer_sees_it(app, client, matched_volunteer,
                                                         make_user, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    entry_id = log(app, volunteer, match_id, today, today=today)
    with pytest.raises(HoursError, match="give the reason"):
        approve(app, coordinator, [entry_id], "rejected", "")
    approve(app, coordinator, [entry_id], "rejected", "Counted twice")
    log_in(client, volunteer)
    assert "Counted twice" in page_text(client.get("/hours"))


def test_coordinators_cannot_verify_their_own_hours(app, make_user, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    with app.app_context():
        from mentorship.accounts.models import UserRole

        person = user(volunteer)
        person.roles.append(UserRole(role="coordinator"))
        db.session.commit()
    with pytest.raises(services.BulkRefused):
        approve(app, volunteer, [entry_id])


def test_reversal_keeps_totals_traceable(app, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    entry_id = log(app, volunteer, match_id, today, minutes=120, today=today)
    approve(app, coordinator, [entry_id])
    with app.app_context():
        services.reverse(user(coordinator), entry_id, "Duplicate")
        db.session.commit()
        assert services.totals(volunteer.id, today)["all_approved"] == 0
        with pytest.raises(HoursError, match="already been reversed"):
            services.reverse(user(coordinator), entry_id, "Again")


def test_totals_by_sql_equal_a_python_sum(app, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    ids = []
    for offset in range(0, 50, 5):
        ids.append(log(app, volunteer, match_id, minus(today, offset),
                       minutes=30 + offset, today=today))
    approve(app, coordinator, ids[::2])
    approve(app, coordinator, ids[1:4:2], "rejected", "No")
    with app.app_context():
        rows = db.session.scalars(db.select(HourEntry)).all()
        totals = services.totals(volunteer.id, today)
    month, year = today.replace(day=1), today.replace(month=1, day=1)
    expected = {
        "month_approved": sum(r.minutes for r in rows if r.status == "approved"
                              and r.day >= month),
        "month_pending": sum(r.minutes for r in rows if r.status == "pending" and r.day >= month),
        "year_approved": sum(r.minutes for r in rows if r.status == "approved" and r.day >= year),
        "year_pending": sum(r.minutes for r in rows if r.status == "pending" and r.day >= year),
        "all_approved": sum(r.minutes for r in rows if r.status == "approved"),
        "all_pending": sum(r.minutes for r in rows if r.status == "pending"),
    }
    assert totals == expected


def test_volunteer_logs_inline_with_htmx(app, client, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    response = client.post("/hours", data=entry_form(match_id, today),
                           headers={"HX-Request": "true", "HX-Target": "hours-main"})
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith('<div id="hours-main">') and "1 h 30" in html
    again = client.post("/hours", data=entry_form(match_id, today),
                        headers={"HX-Request": "true", "HX-Target": "hours-main"})
    assert again.status_code == 200  # the same token: nothing new
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(HourEntry)) == 1


def test_bad_input_keeps_what_was_typed(app, client, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    response = client.post("/hours", data=entry_form(match_id, today, hours=13, note="Long"))
    assert response.status_code == 422
    html = page_text(response)
    assert "Between 0 and 12." in html and "Long</textarea>" in html
    response = client.post("/hours", data=entry_form(match_id, today + timedelta(days=1)))
    assert response.status_code == 422 and "cannot be in the future" in page_text(response)


def test_near_duplicate_through_the_form(app, client, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    client.post("/hours", data=entry_form(match_id, today, token="one"))
    response = client.post("/hours", data=entry_form(match_id, today, token="two"))
    assert response.status_code == 422
    assert "Is this another meeting?" in page_text(response)
    assert 'name="confirm_duplicate"' in page_text(response)
    response = client.post("/hours", data=entry_form(match_id, today, token="two",
                                                     confirm_duplicate="y"))
    assert response.status_code == 303


def test_a_volunteer_cannot_touch_another_volunteers_entries(app, client, matched_volunteer,
                                                             today):
    owner, _, match_id = matched_volunteer()
    entry_id = log(app, owner, match_id, today, today=today)
    intruder, _, _ = matched_volunteer(name="Intruder")
    log_in(client, intruder)
    assert client.get(f"/hours/{entry_id}/edit").status_code == 404
    assert client.post(f"/hours/{entry_id}/delete").status_code == 404
    assert "Coffee" not in page_text(client.get("/hours/export.csv"))
    rows = list(csv.reader(io.StringIO(client.get("/hours/export.csv").get_data(as_text=True))))
    assert len(rows) == 1  # header only


def test_csv_export_contains_only_the_period_and_approved(app, client, matched_volunteer,
                                                          make_user, login_as, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    inside = log(app, volunteer, match_id, minus(today, 3), today=today)
    outside = log(app, volunteer, match_id, minus(today, 40), today=today)
    pending = log(app, volunteer, match_id, minus(today, 2), today=today)
    approve(app, coordinator, [inside, outside])
    log_in(client, coordinator)
    response = client.get(f"/coordinate/hours/export.csv?start={minus(today, 10)}&end={today}")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["entry_id"]) for r in rows] == [inside]
    assert list(rows[0]) == list(services.CSV_COLUMNS)
    assert rows[0]["date"] == minus(today, 3).isoformat() and rows[0]["minutes"] == "60"
    assert pending not in [int(r["entry_id"]) for r in rows]


def test_newcomer_confirms_only_entries_of_their_own_match(app, client, matched_volunteer,
                                                           make_user, today):
    volunteer, newcomer, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    stranger = make_user("newcomer")
    log_in(client, stranger)
    assert client.post(f"/hours/{entry_id}/confirm").status_code == 404
    client.post("/logout")
    log_in(client, newcomer)
    assert "Did you meet" in page_text(client.get("/buddy"))
    assert client.post(f"/hours/{entry_id}/confirm").status_code == 303
    with app.app_context():
        assert db.session.get(HourEntry, entry_id).confirmed_by_newcomer_at is not None


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_queue_is_for_coordinators(client, login_as, role):
    login_as(role)
    for path in ("/coordinate/hours", "/coordinate/hours/approved",
                 "/coordinate/hours/export.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post("/coordinate/hours/decide", data={"decision": "approve"}).status_code == (
        403)


@pytest.mark.parametrize("role", ["newcomer", "partner", "coordinator"])
def test_hours_page_is_for_volunteers(client, login_as, role):
    login_as(role)
    assert client.get("/hours").status_code == 403


def test_bulk_approve_through_the_queue(app, client, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    ids = [log(app, volunteer, match_id, minus(today, d), today=today) for d in (1, 2, 3)]
    log_in(client, make_user("coordinator"))
    html = page_text(client.get("/coordinate/hours"))
    assert "3 entries waiting" in html
    response = client.post("/coordinate/hours/decide",
                           data={"entry": [str(i) for i in ids[:2]], "decision": "approve"},
                           headers={"HX-Request": "true", "HX-Target": "queue-main"})
    assert response.status_code == 200 and "1 entry waiting" in page_text(response)
    response = client.post("/coordinate/hours/decide",
                           data={"entry": [str(i) for i in ids], "decision": "approve"})
    assert response.status_code == 409
    assert "Nothing was changed" in page_text(response)


def test_queue_queries_do_not_grow(app, client, matched_volunteer, make_user, today):
    volunteer, _, match_id = matched_volunteer()
    log(app, volunteer, match_id, today, today=today)
    log_in(client, make_user("coordinator"))
    with count_queries(app) as few:
        client.get("/coordinate/hours")
    for index in range(20):
        other, _, other_match = matched_volunteer(name=f"Volunteer {index}")
        log(app, other, other_match, today, today=today)
    with count_queries(app) as many:
        client.get("/coordinate/hours")
    assert many.count == few.count


def test_volunteer_page_queries_do_not_grow(app, client, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    log(app, volunteer, match_id, today, today=today)
    log_in(client, volunteer)
    with count_queries(app) as few:
        client.get("/hours")
    for offset in range(1, 25):
        log(app, volunteer, match_id, minus(today, offset), minutes=30 + offset, today=today)
    with count_queries(app) as many:
        client.get("/hours")
    assert many.count == few.count
