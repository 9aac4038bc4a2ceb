import csv
import io
import re
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


# Confirmations and refusals under HTMX ------------------------------------------------


def htmx(target, url="http://localhost/hours"):
    """The headers htmx sends for a form that swaps ``#target``."""
    return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": url}


def oob_messages(html):
    """The text of the out-of-band #messages element appended to a fragment ('' if none)."""
    found = re.findall(r'<div id="messages" hx-swap-oob="innerHTML">(.*?)</div>', html, re.S)
    assert len(found) <= 1, "one #messages element at most"
    return found[0] if found else ""


def test_saving_hours_confirms_in_the_same_htmx_response(app, client, matched_volunteer,
                                                         today):
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    response = client.post("/hours", data=entry_form(match_id, today), headers=htmx("hours-main"))
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith('<div id="hours-main">')
    assert "Thank you! Your hours are saved and wait for verification." in oob_messages(html)
    assert "message-success" in oob_messages(html)
    # Shown once: the next page does not repeat it.
    assert "Your hours are saved" not in page_text(client.get("/hours"))


def test_editing_and_deleting_confirm_in_the_same_htmx_response(app, client, matched_volunteer,
                                                                today):
    volunteer, _, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    log_in(client, volunteer)
    data = {f"e{entry_id}-{key}": value
            for key, value in entry_form(match_id, today, hours=2, minutes=0).items()}
    response = client.post(f"/hours/{entry_id}/edit", data=data, headers=htmx("hours-main"))
    assert response.status_code == 200
    html = page_text(response)
    assert "Your entry is updated." in oob_messages(html) and "2 h 00" in html
    response = client.post(f"/hours/{entry_id}/delete", headers=htmx("hours-main"))
    assert response.status_code == 200
    html = page_text(response)
    assert "The entry is deleted." in oob_messages(html)
    assert f'id="entry-{entry_id}"' not in html
    with app.app_context():
        assert db.session.get(HourEntry, entry_id) is None


def test_deleting_a_verified_entry_is_refused_in_the_messages_region(app, client,
                                                                      matched_volunteer,
                                                                      make_user, today):
    volunteer, _, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    approve(app, make_user("coordinator"), [entry_id])
    log_in(client, volunteer)
    response = client.post(f"/hours/{entry_id}/delete", headers=htmx("hours-main"))
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "can no longer be changed" in page_text(response)
    with app.app_context():
        assert db.session.get(HourEntry, entry_id) is not None


@pytest.mark.parametrize(("decision", "reason", "confirmation"), [
    ("approve", "", "2 entries approved."),
    ("reject", "Counted twice", "2 entries rejected."),
])
def test_bulk_decisions_confirm_in_the_same_htmx_response(app, client, matched_volunteer,
                                                          make_user, today, decision, reason,
                                                          confirmation):
    volunteer, _, match_id = matched_volunteer()
    ids = [log(app, volunteer, match_id, minus(today, d), today=today) for d in (1, 2)]
    log_in(client, make_user("coordinator"))
    response = client.post(
        "/coordinate/hours/decide",
        data={"entry": [str(i) for i in ids], "decision": decision, "reason": reason},
        headers=htmx("queue-main", "http://localhost/coordinate/hours"))
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith('<div id="queue-main">')
    assert confirmation in oob_messages(html)
    assert confirmation not in page_text(client.get("/coordinate/hours"))


def test_reject_without_reason_shows_the_error_next_to_the_reason(app, client,
                                                                   matched_volunteer, make_user,
                                                                   today):
    volunteer, _, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    log_in(client, make_user("coordinator"))
    for headers in (htmx("queue-main", "http://localhost/coordinate/hours"), {}):
        response = client.post("/coordinate/hours/decide",
                               data={"entry": [str(entry_id)], "decision": "reject",
                                     "reason": "  "}, headers=headers)
        assert response.status_code == 422
        html = page_text(response)
        errors = html.index('id="reason-errors"')
        assert "Please give the reason" in html[errors:html.index("</ul>", errors)]
        assert f'value="{entry_id}" id="select-{entry_id}" checked' in html  # selection kept
        assert oob_messages(html) == ""
    with app.app_context():
        assert db.session.get(HourEntry, entry_id).is_pending


def test_newcomer_confirmation_is_shown_on_the_page_they_land_on(app, client,
                                                                  matched_volunteer, today):
    volunteer, newcomer, match_id = matched_volunteer()
    entry_id = log(app, volunteer, match_id, today, today=today)
    log_in(client, newcomer)
    response = client.post(f"/hours/{entry_id}/confirm",
                           headers=htmx("main", "http://localhost/buddy"))
    assert response.headers["HX-Redirect"] == "/buddy"  # a navigation: the message waits
    html = page_text(client.get("/buddy"))
    assert "Thank you for confirming." in html and "Did you meet" not in html
    assert "Thank you for confirming." not in page_text(client.get("/buddy"))


def test_a_too_short_entry_is_refused_next_to_the_hours(app, client, matched_volunteer, today):
    """The service's "duration" refusal is shown with the hours, the first duration input."""
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    response = client.post("/hours", data=entry_form(match_id, today, hours=0, minutes=4),
                           headers=htmx("hours-main"))
    assert response.status_code == 422
    html = page_text(response)
    assert re.search(r'<p class="field-errors" id="hours-errors">At least 5 minutes, please.</p>',
                     html)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="hours"', html)
    assert html.count("At least 5 minutes") == 1  # not (also) at the top of the form


def test_the_hours_input_allows_what_the_service_allows(client, matched_volunteer):
    volunteer, _, _ = matched_volunteer()
    log_in(client, volunteer)
    hours_input = re.search(r'<input[^>]*id="hours"[^>]*>', page_text(client.get("/hours")))[0]
    assert 'min="0"' in hours_input and 'max="12"' in hours_input


# The verification queue's filters ----------------------------------------------------


def test_queue_filters_select_by_volunteer_role_activity_and_age(app, client, matched_volunteer,
                                                                  make_user, today):
    alice, _, alice_match = matched_volunteer(name="Alice Martin", role="mentor")
    bruno, _, bruno_match = matched_volunteer(name="Bruno Alimi", role="language_buddy")
    chloe, _, chloe_match = matched_volunteer(name="Chloé Roux", role="housing_helper")
    alice_meeting = log(app, alice, alice_match, minus(today, 1), today=today)
    alice_event = log(app, alice, None, minus(today, 2), activity="event", today=today)
    bruno_session = log(app, bruno, bruno_match, minus(today, 3), activity="language_session",
                        today=today)
    chloe_help = log(app, chloe, chloe_match, minus(today, 1), activity="housing_help",
                     today=today)
    with app.app_context():  # logged 10 and 20 days ago
        for entry_id, age in ((alice_event, 10), (bruno_session, 20)):
            entry = db.session.get(HourEntry, entry_id)
            entry.created_at -= timedelta(days=age)
        db.session.commit()
    log_in(client, make_user("coordinator"))

    def shown(query=""):
        html = page_text(client.get(f"/coordinate/hours{query}"))
        return {int(i) for i in re.findall(r'id="select-(\d+)"', html)}

    assert shown() == {alice_meeting, alice_event, bruno_session, chloe_help}
    # "ali" is in Alice's and Bruno's names (Alimi), in any case; "chloe" is not "Chloé".
    assert shown("?volunteer=ALI") == {alice_meeting, alice_event, bruno_session}
    assert shown("?volunteer=alice") == {alice_meeting, alice_event}
    assert shown("?volunteer=chloé") == {chloe_help}
    assert shown("?volunteer=nobody") == set()
    assert shown("?role=mentor") == {alice_meeting, alice_event}
    assert shown("?role=language_buddy") == {bruno_session}
    assert shown("?role=housing_helper") == {chloe_help}
    assert shown("?activity=meeting") == {alice_meeting}
    assert shown("?activity=event") == {alice_event}
    assert shown("?activity=housing_help") == {chloe_help}
    assert shown("?age=7") == {alice_event, bruno_session}
    assert shown("?age=14") == {bruno_session}
    assert shown("?volunteer=ali&role=mentor&age=7") == {alice_event}
    assert shown("?role=astronaut") == shown()  # not a choice: ignored


def test_a_retry_that_raced_past_the_checks_returns_the_saved_entry(app, matched_volunteer,
                                                                    today, monkeypatch):
    """The unique token refuses the second insert: the entry already saved is returned and
    only the insert is undone, not the rest of the caller's transaction."""
    volunteer, _, match_id = matched_volunteer()
    saved = log(app, volunteer, match_id, today, token="retry", today=today)
    with app.app_context():
        earlier = services.log_hours(user(volunteer), token="earlier", day=minus(today, 1),
                                     minutes=30, activity="event", match_id=None, note="",
                                     today=today)
        real, calls = services._entry_with_token, []

        def racing(person, token):  # both checks ran before the other request committed
            calls.append(token)
            return None if len(calls) <= 2 else real(person, token)

        monkeypatch.setattr(services, "_entry_with_token", racing)
        again = services.log_hours(user(volunteer), token="retry", day=today, minutes=60,
                                   activity="meeting", match_id=match_id, note="", today=today,
                                   confirm_duplicate=True)
        assert again.id == saved and len(calls) == 3
        db.session.commit()
        tokens = sorted(db.session.scalars(db.select(HourEntry.token)))
        assert earlier.id != saved
    assert tokens == ["earlier", "retry"]


def test_a_hand_made_decision_with_huge_ids_is_refused_not_an_error(client, make_user):
    log_in(client, make_user("coordinator"))
    for value in ("9" * 30, "9" * 5000):
        response = client.post("/coordinate/hours/decide",
                               data={"approve_one": value, "entry": value,
                                     "decision": "approve"})
        assert response.status_code == 422 and "Please select at least one entry." in (
            page_text(response))


def test_the_approved_list_says_which_entries_are_reversed(app, client, matched_volunteer,
                                                            make_user, today):
    volunteer, _, match_id = matched_volunteer()
    coordinator = make_user("coordinator")
    first = log(app, volunteer, match_id, today - timedelta(days=1), today=today)
    approve(app, coordinator, [first])
    log_in(client, coordinator)
    html = page_text(client.get("/coordinate/hours/approved"))
    assert "1 approved entry" in html and f'action="/coordinate/hours/{first}/reverse"' in html
    second = log(app, volunteer, match_id, today, minutes=90, today=today)
    approve(app, coordinator, [second])
    response = client.post(f"/coordinate/hours/{first}/reverse", data={"reason": "Duplicate"})
    assert response.status_code == 303
    html = page_text(client.get("/coordinate/hours/approved"))
    # The count follows each change; the reversal itself is not listed.
    assert "2 approved entries" in html and "Reversed" in html
    assert f'action="/coordinate/hours/{first}/reverse"' not in html
    assert f'action="/coordinate/hours/{second}/reverse"' in html
