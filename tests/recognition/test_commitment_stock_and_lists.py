"""Claims follow the commitment, revoked passes go back to the stock, and the lists of
passes (coordinator, partner, public thanks) are complete: paginated, searchable, with a
fixed number of queries."""

import multiprocessing
import re
from datetime import datetime, timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.recognition import services
from mentorship.recognition.models import Pass, Perk
from mentorship.volunteering.models import Commitment
from tests.conftest import count_queries, database_url, log_in, page_text
from tests.recognition.conftest import claim

RecognitionError = services.RecognitionError
THANKS_DAYS = services.THANKS_AFTER_COMPLETION_DAYS


def pass_id_of(app, code):
    with app.app_context():
        return db.session.scalar(db.select(Pass.id).where(Pass.code == code))


def perk_claimed(app, perk_id):
    with app.app_context():
        return db.session.get(Perk, perk_id).claimed


# Claims follow the commitment ------------------------------------------------------


def test_a_volunteer_who_ended_early_claims_nothing_new_and_the_page_says_why(
        app, client, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id)
    account = volunteer(months=2, status="ended_early", ended_on=today - timedelta(days=3))
    with pytest.raises(RecognitionError, match="ended on"):
        claim(app, account, perk_id, today)
    log_in(client, account)
    html = page_text(client.get("/perks"))
    assert "no-claims" in html and "new passes cannot be claimed" in html
    assert f"/perks/{perk_id}/claim" not in html
    response = client.post(f"/perks/{perk_id}/claim")
    assert response.status_code == 303
    assert perk_claimed(app, perk_id) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pass)) == 0


def test_passes_issued_before_the_end_stay_valid(app, client, venue, perk, volunteer, today):
    partner_id, staff = venue()
    account = volunteer(months=2)
    code = claim(app, account, perk(partner_id), today)
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment).where(
            Commitment.user_id == account.id))
        commitment.status, commitment.current_role = "ended_early", None
        commitment.ended_on = today
        db.session.commit()
    log_in(client, account)
    assert "badge-valid" in page_text(client.get(f"/perks/passes/{pass_id_of(app, code)}"))
    log_in(client, staff)
    assert client.post(f"/passes/{code}/redeem").status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Pass.status)) == "redeemed"


def test_completed_volunteers_claim_for_a_while_then_no_more(app, venue, perk, volunteer,
                                                              today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=5)
    recent = volunteer(months=9, status="completed",
                       completed_on=today - timedelta(days=THANKS_DAYS))
    long_ago = volunteer(months=12, status="completed",
                         completed_on=today - timedelta(days=THANKS_DAYS + 1))
    claim(app, recent, perk_id, today)
    with pytest.raises(RecognitionError, match="completed on") as refused:
        claim(app, long_ago, perk_id, today)
    assert f"{THANKS_DAYS} days" in str(refused.value) and "renew" in str(refused.value)


def test_a_commitment_served_by_date_counts_as_completed(app, venue, perk, volunteer, today):
    # Active in the table, past its end date (the sweep has not run): completed.
    partner_id, _ = venue()
    perk_id = perk(partner_id)
    account = volunteer(months=6 + 5)  # end date five months ago
    with pytest.raises(RecognitionError, match="completed on"):
        claim(app, account, perk_id, today)


def test_another_current_commitment_keeps_claims_open(app, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id)
    account = volunteer(months=2, status="ended_early", ended_on=today)
    with app.app_context():
        db.session.add(Commitment(user_id=account.id, role="language_buddy",
                                  current_role="language_buddy", status="awaiting_training",
                                  start_date=today, end_date=today + timedelta(days=200),
                                  min_months=6))
        db.session.commit()
    claim(app, account, perk_id, today)


def test_a_resident_without_commitment_claims_nothing(app, client, login_as, venue, perk,
                                                      today):
    partner_id, _ = venue()
    perk_id = perk(partner_id)
    account = login_as("resident")
    with pytest.raises(RecognitionError, match="once your application is approved"):
        claim(app, account, perk_id, today)
    assert "once your application is approved" in page_text(client.get("/perks"))


# Revoking returns the pass to the stock ---------------------------------------------------


def revoke_page(client, pass_id):
    return page_text(client.get(f"/coordinate/perks/passes/{pass_id}/revoke"))


def audit_data(app, pass_id):
    with app.app_context():
        return db.session.scalar(db.select(AuditEvent.data).where(
            AuditEvent.action == "pass.revoked", AuditEvent.record_id == pass_id))


def test_revoking_returns_the_pass_to_the_stock_unless_unticked(app, client, login_as, venue,
                                                                perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=1)
    first, second = volunteer(), volunteer()
    returned = pass_id_of(app, claim(app, first, perk_id, today))
    with pytest.raises(RecognitionError, match="no passes left"):
        claim(app, second, perk_id, today)
    login_as("coordinator")
    html = revoke_page(client, returned)
    assert re.search(r'<input[^>]*checked[^>]*name="return_to_stock"|'
                     r'<input[^>]*name="return_to_stock"[^>]*checked', html)
    response = client.post(f"/coordinate/perks/passes/{returned}/revoke",
                           data={"reason": "Duplicate", "return_to_stock": "y"})
    assert response.status_code == 303
    assert perk_claimed(app, perk_id) == 0
    assert audit_data(app, returned)["returned_to_stock"] is True
    kept = pass_id_of(app, claim(app, second, perk_id, today))
    # Unticked: the place is not offered again.
    response = client.post(f"/coordinate/perks/passes/{kept}/revoke",
                           data={"reason": "Misuse"})
    assert response.status_code == 303
    assert perk_claimed(app, perk_id) == 1
    assert audit_data(app, kept)["returned_to_stock"] is False
    with pytest.raises(RecognitionError, match="no passes left"):
        claim(app, volunteer(), perk_id, today)


def test_revoking_without_reason_keeps_the_choice(app, client, login_as, venue, perk,
                                                  volunteer, today):
    partner_id, _ = venue()
    pass_id = pass_id_of(app, claim(app, volunteer(), perk(partner_id), today))
    login_as("coordinator")
    response = client.post(f"/coordinate/perks/passes/{pass_id}/revoke", data={"reason": " "})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please give the reason" in html
    assert not re.search(r'<input[^>]*name="return_to_stock"[^>]*checked', html)


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_revoking_and_the_passes_list_are_for_coordinators(app, client, login_as, venue, perk,
                                                           volunteer, today, role):
    partner_id, _ = venue()
    perk_id = perk(partner_id)
    pass_id = pass_id_of(app, claim(app, volunteer(), perk_id, today))
    login_as(role)
    assert client.get("/coordinate/perks/passes").status_code == 403
    assert client.post(f"/coordinate/perks/passes/{pass_id}/revoke",
                       data={"reason": "x", "return_to_stock": "y"}).status_code == 403
    assert perk_claimed(app, perk_id) == 1


def _race_worker(url, job, ids, barrier, results):
    """``job`` 'revoke': revoke the passes ``ids`` (back to the stock); 'claim': claim the
    perks ``ids`` for the volunteer ids[0]."""
    from mentorship import create_app

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        today = programme_today()
        coordinator = db.session.scalar(db.select(User).filter_by(name="Race Coordinator"))
        claimer = db.session.scalar(db.select(User).filter_by(name="Race Claimer"))
        db.session.rollback()
        barrier.wait(timeout=120)
        for item in ids:
            try:
                if job == "revoke":
                    services.revoke(coordinator, item, "Race")
                else:
                    services.claim(claimer, item, today)
                db.session.commit()
                results.put((job, "done"))
            except RecognitionError:
                db.session.rollback()
                results.put((job, "refused"))
        db.engine.dispose()


def test_revoke_and_claim_of_the_last_pass_keep_the_stock_right(app, tmp_path, make_user,
                                                                venue, perk, volunteer, today):
    partner_id, _ = venue()
    make_user("coordinator", name="Race Coordinator")
    volunteer(name="Race Claimer")
    holder = volunteer()
    perks = [perk(partner_id, stock=1) for _ in range(12)]
    passes = [pass_id_of(app, claim(app, holder, perk_id, today)) for perk_id in perks]
    context = multiprocessing.get_context("spawn")
    results, barrier = context.Queue(), context.Barrier(2)
    workers = [
        context.Process(target=_race_worker,
                        args=(database_url(tmp_path), "revoke", passes, barrier, results)),
        context.Process(target=_race_worker,
                        args=(database_url(tmp_path), "claim", perks, barrier, results)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    outcomes = [results.get(timeout=10) for _ in range(24)]
    assert outcomes.count(("revoke", "done")) == 12
    with app.app_context():
        for perk_id in perks:
            live = db.session.scalar(db.select(db.func.count()).select_from(Pass).where(
                Pass.perk_id == perk_id, Pass.status != "revoked"))
            # Every revoked pass went back: the count is exactly the passes in use, and the
            # stock is never exceeded whichever came first.
            assert db.session.get(Perk, perk_id).claimed == live <= 1
        issued = db.session.scalar(db.select(db.func.count()).select_from(Pass).where(
            Pass.status == "issued"))
    assert issued == outcomes.count(("claim", "done"))


# The coordinator's passes list ----------------------------------------------------------


def passes_rows(html):
    return re.findall(r'<tr>\s*<th scope="row"><a href="/coordinate/people/\d+">([^<]*)</a></th>',
                      html.split("<tbody>", 1)[1])


def test_passes_list_searches_by_folded_name_perk_and_state(app, client, login_as, venue,
                                                            perk, volunteer, today):
    partner_id, staff = venue()
    museum = perk(partner_id, titles={"en": "Museum"}, per_volunteer=3)
    concert = perk(partner_id, titles={"en": "Concert"}, per_volunteer=3)
    zoe, ivan = volunteer(name="Zoé Lefèvre"), volunteer(name="Іван Петренко")
    claim(app, zoe, museum, today)
    used = claim(app, zoe, concert, today)
    expired = claim(app, ivan, museum, today)
    revoked = pass_id_of(app, claim(app, ivan, concert, today))
    with app.app_context():
        services.redeem(db.session.get(User, staff.id), used, today)
        db.session.scalar(db.select(Pass).where(Pass.code == expired)).expires_on = (
            today - timedelta(days=1))
        services.revoke(db.session.get(User, staff.id), revoked, "Duplicate")
        db.session.commit()
    login_as("coordinator")

    def names(**query):
        response = client.get("/coordinate/perks/passes", query_string=query)
        assert response.status_code == 200
        return sorted(passes_rows(page_text(response)))

    assert len(names()) == 4
    assert names(volunteer="ZOE lefevre") == ["Zoé Lefèvre"] * 2
    assert names(volunteer="іван") == ["Іван Петренко"] * 2
    assert names(volunteer="50%_") == []
    assert names(perk=str(concert)) == ["Zoé Lefèvre", "Іван Петренко"]
    assert names(state="issued") == ["Zoé Lefèvre"]
    assert names(state="redeemed") == ["Zoé Lefèvre"]
    assert names(state="expired") == ["Іван Петренко"]
    assert names(state="revoked") == ["Іван Петренко"]
    assert names(state="revoked", volunteer="zoe") == []
    # A hand-edited filter is ignored, not an error.
    assert len(names(perk="999999", state="nonsense")) == 4


def test_passes_list_is_paginated_with_filters_kept_and_fixed_queries(app, client, login_as,
                                                                      venue, perk, volunteer,
                                                                      today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=100)
    claim(app, volunteer(name="Anna First"), perk_id, today)
    login_as("coordinator")
    with count_queries(app) as few:
        assert client.get("/coordinate/perks/passes?state=issued").status_code == 200
    for index in range(30):
        other_perk = perk(partner_id, stock=5, titles={"en": f"Perk {index}"})
        claim(app, volunteer(name=f"Anna {index}"), other_perk if index % 2 else perk_id,
              today)
    with count_queries(app) as many:
        html = page_text(client.get("/coordinate/perks/passes?state=issued"))
    assert many.count == few.count
    assert len(passes_rows(html)) == 25 and "31 passes" in html
    assert "/coordinate/perks/passes?page=2&amp;state=issued" in html
    second = page_text(client.get("/coordinate/perks/passes?page=2&state=issued"))
    assert len(passes_rows(second)) == 6


# The partner's redemptions and the public thanks ----------------------------------------


def redeemed(app, perk_id, holder_id, count):
    with app.app_context():
        for index in range(count):
            db.session.add(Pass(perk_id=perk_id, user_id=holder_id, status="redeemed",
                                expires_on=programme_today() + timedelta(days=5),
                                redeemed_at=datetime(2026, 1, 1, 10, 0) + timedelta(hours=index)))
        db.session.commit()


def test_partner_redemptions_are_paginated_not_cut(app, client, venue, perk, volunteer):
    partner_id, staff = venue()
    perk_id = perk(partner_id, stock=200, per_volunteer=200)
    holder = volunteer()
    redeemed(app, perk_id, holder.id, 1)
    log_in(client, staff)
    with count_queries(app) as few:
        assert client.get("/partner").status_code == 200
    redeemed(app, perk_id, holder.id, 59)
    with count_queries(app) as many:
        html = page_text(client.get("/partner"))
    assert many.count == few.count
    assert "60 passes used" in html
    rows = re.findall(r'<tr><th scope="row">[^<]*</th><td data-label', html)
    assert len(rows) == 25
    last = page_text(client.get("/partner?page=3"))
    assert len(re.findall(r'<tr><th scope="row">[^<]*</th><td data-label', last)) == 10
    assert "Page 3 of 3" in last


def test_public_thanks_is_paginated_with_fixed_queries(app, client, monkeypatch, volunteer):
    monkeypatch.setattr(services, "THANKS_PER_PAGE", 3)

    def thanked(name):
        account = volunteer(months=4, name=name)
        with app.app_context():
            db.session.get(User, account.id).public_thanks = True
            db.session.commit()

    thanked("Aline A")
    with count_queries(app) as few:
        client.get("/thanks")
    for name in ("Bruno B", "Chloé C", "Dara D", "Emil E", "Farah F", "Gaspard G"):
        thanked(name)
    with count_queries(app) as many:
        html = page_text(client.get("/thanks"))
    assert many.count == few.count
    assert [n for n in ("Aline", "Bruno", "Chloé", "Dara") if n in html] == [
        "Aline", "Bruno", "Chloé"]
    assert "Page 1 of 3" in html and "/thanks?page=2" in html
    last = page_text(client.get("/thanks?page=3"))
    assert "Gaspard" in last and "4 months of volunteering" in last and "Aline" not in last


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_passes_used_are_counted_in_the_programmes_months(app, venue, perk, volunteer,
                                                          zone):
    """Near a month's edge the local month is not the UTC one (either way, whole-hour
    offsets or not); in the middle of a month it is."""
    from mentorship.dates import utc_to_local
    from mentorship.programme.services import get_settings

    partner_id, staff = venue()
    perk_id = perk(partner_id, stock=20, per_volunteer=20)
    holder = volunteer(months=2)
    moments = [datetime(2026, 3, 31, 21, 30), datetime(2026, 3, 31, 23, 30),
               datetime(2026, 4, 1, 0, 30), datetime(2026, 4, 1, 5, 10),
               datetime(2026, 4, 15, 12), datetime(2026, 4, 30, 18, 40),
               datetime(2026, 4, 30, 23, 59), datetime(2026, 2, 28, 22, 0),
               datetime(2026, 10, 31, 23, 30), datetime(2026, 11, 1, 4, 0)]
    with app.test_request_context():
        get_settings().timezone = zone
        for moment in moments:
            db.session.add(Pass(perk_id=perk_id, user_id=holder.id, status="redeemed",
                                expires_on=moment.date(), redeemed_at=moment,
                                redeemed_by_id=staff.id))
        db.session.commit()
    with app.test_request_context():
        expected = {}
        for moment in moments:
            first = utc_to_local(moment).date().replace(day=1)
            expected[first] = expected.get(first, 0) + 1
        assert services.redeemed_by_month(partner_id) == sorted(expected.items(),
                                                               reverse=True)
