import base64
import multiprocessing
import re
import string
import threading
from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.recognition import services
from mentorship.recognition.models import Partner, Pass, Perk
from tests.conftest import database_url, log_in, page_text
from tests.recognition.conftest import claim

RecognitionError = services.RecognitionError


def missing(app, account, perk_id, today):
    with app.test_request_context():
        item = db.session.get(Perk, perk_id)
        return [str(m) for m in services.missing_for(
            item, services.volunteer_record(account.id, today))]


def test_each_criterion_and_their_combination(app, venue, perk, volunteer, today):
    partner_id, _ = venue()
    hours_perk = perk(partner_id, min_hours=20)
    months_perk = perk(partner_id, min_months=3)
    certificate_perk = perk(partner_id, certificate_required=True)
    role_perk = perk(partner_id, roles=["language_buddy"])
    all_perk = perk(partner_id, min_hours=20, min_months=3, certificate_required=True,
                    roles=["mentor"])
    newbie = volunteer(hours=12, months=1)
    assert missing(app, newbie, hours_perk, today) == ["12 of 20 approved hours"]
    assert missing(app, newbie, months_perk, today) == ["1 of 3 months served"]
    assert missing(app, newbie, certificate_perk, today) == ["Certificate needed"]
    assert missing(app, newbie, role_perk, today) == ["For these roles only: Language buddy"]
    assert missing(app, newbie, all_perk, today) == [
        "12 of 20 approved hours", "1 of 3 months served", "Certificate needed"]
    veteran = volunteer(hours=25, months=4, certificate=True)
    for perk_id in (hours_perk, months_perk, certificate_perk, all_perk):
        assert missing(app, veteran, perk_id, today) == []


def test_completed_commitments_count_and_ended_early_do_not(app, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, min_months=3)
    assert missing(app, volunteer(months=7, status="completed"), perk_id, today) == []
    assert missing(app, volunteer(months=7, status="ended_early"), perk_id, today) == [
        "0 of 3 months served"]


def test_claim_issues_a_pass_and_pausing_stops_new_claims(app, venue, perk, volunteer, today,
                                                          make_user):
    partner_id, _ = venue()
    perk_id = perk(partner_id, per_volunteer=2)
    account = volunteer()
    first = claim(app, account, perk_id, today)
    with app.app_context():
        services.set_paused(db.session.get(User, make_user("coordinator").id), perk_id, True)
        db.session.commit()
    with pytest.raises(RecognitionError, match="paused"):
        claim(app, account, perk_id, today)
    with app.app_context():
        assert db.session.scalar(db.select(Pass.status).where(Pass.code == first)) == "issued"


# Written out here, not imported: the test states the rule the code must follow.
URL_SAFE = frozenset(string.ascii_letters + string.digits + "-_")
READABLE = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")  # no 0/O, no 1/I


def test_codes_are_unguessable(app, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=40, per_volunteer=40)
    account = volunteer()
    codes = [claim(app, account, perk_id, today) for _ in range(30)]
    assert len(set(codes)) == 30
    assert all(len(code) >= 22 for code in codes)  # 16 random bytes, URL-safe
    # No shared prefix (no sequence, no timestamp part).
    assert len({code[:4] for code in codes}) > 25
    # The whole code is the URL-safe text of at least 16 bytes (128 bits)...
    assert all(set(code) <= URL_SAFE for code in codes)
    raw = [base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)) for code in codes]
    assert all(len(value) >= 16 for value in raw)
    # ...random along its whole length, not only at the front: every byte varies from one
    # code to the next (a counter, a date or a constant part would repeat; 30 random bytes
    # show ~28 different values), and about half of all the bits are set.
    for position in range(16):
        assert len({value[position] for value in raw}) >= 15, f"byte {position} repeats"
    bits = "".join(f"{byte:08b}" for value in raw for byte in value[:16])
    assert 0.4 < bits.count("1") / len(bits) < 0.6
    with app.app_context():
        passes = db.session.scalars(db.select(Pass)).all()
        shorts = [p.short_code for p in passes]
        shown = [p.short_code_display for p in passes]
    assert len(set(shorts)) == 30 and all(len(s) == 10 for s in shorts)
    # Short codes: ten characters a person can read out, every one of them drawn at random
    # (32 letters, 30 draws: ~19 different letters in each place).
    assert all(set(s) <= READABLE for s in shorts)
    for position in range(10):
        assert len({s[position] for s in shorts}) >= 8, f"character {position} repeats"
    assert all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", s) for s in shown)


def _claim_worker(url, perk_id, user_ids, results):
    from mentorship import create_app

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        today = programme_today()
        for user_id in user_ids:
            try:
                services.claim(db.session.get(User, user_id), perk_id, today)
                db.session.commit()
                results.put("issued")
            except RecognitionError:
                db.session.rollback()
                results.put("refused")
        db.engine.dispose()


def test_never_oversold_with_concurrent_processes(app, tmp_path, venue, perk, volunteer,
                                                  today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=5)
    accounts = [volunteer() for _ in range(12)]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_claim_worker, args=(
        database_url(tmp_path), perk_id, [a.id for a in accounts[i::4]], results))
        for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    outcomes = [results.get(timeout=10) for _ in range(12)]
    assert outcomes.count("issued") == 5 and outcomes.count("refused") == 7
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pass)) == 5
        assert db.session.get(Perk, perk_id).claimed == 5


def test_per_volunteer_limit_holds_under_concurrency(app, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk_id = perk(partner_id, stock=50, per_volunteer=2)
    account = volunteer()
    barrier, outcomes = threading.Barrier(6), []

    def run():
        barrier.wait()
        try:
            claim(app, account, perk_id, today)
            outcomes.append("issued")
        except RecognitionError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("issued") == 2
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pass)) == 2


def test_redeem_once_by_the_venue(app, client, venue, perk, volunteer, today):
    partner_id, staff = venue()
    code = claim(app, volunteer(name="Zoé Holder"), perk(partner_id), today)
    log_in(client, staff)
    html = page_text(client.get(f"/passes/{code}"))
    assert "Valid pass" in html and "Zoé" in html and "Holder" not in html
    assert client.post(f"/passes/{code}/redeem").status_code == 303
    html = page_text(client.get(f"/passes/{code}"))
    assert "Already used" in html and "Staff of Musée" in html
    client.post(f"/passes/{code}/redeem")
    with app.app_context():
        assert db.session.scalar(db.select(Pass.status)) == "redeemed"
        with pytest.raises(RecognitionError, match="already been used"):
            services.redeem(db.session.get(User, staff.id), code, today)


def test_other_venue_cannot_see_or_redeem(app, client, venue, perk, volunteer, today):
    partner_a, _ = venue("A")
    _, staff_b = venue("B")
    code = claim(app, volunteer(), perk(partner_a), today)
    log_in(client, staff_b)
    assert client.get(f"/passes/{code}").status_code == 404
    assert client.post(f"/passes/{code}/redeem").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(Pass.status)) == "issued"


def test_expired_and_revoked_passes_are_refused(app, venue, perk, volunteer, today, make_user):
    partner_id, staff = venue()
    perk_id = perk(partner_id, per_volunteer=2)
    account, coordinator = volunteer(), make_user("coordinator")
    expiring, revoked = claim(app, account, perk_id, today), claim(app, account, perk_id, today)
    with app.app_context():
        staff_user = db.session.get(User, staff.id)
        revoked_pass = db.session.scalar(db.select(Pass).where(Pass.code == revoked))
        services.revoke(db.session.get(User, coordinator.id), revoked_pass.id, "Misuse")
        db.session.commit()
        with pytest.raises(RecognitionError, match="expired"):
            services.redeem(staff_user, expiring, today + timedelta(days=31))
        with pytest.raises(RecognitionError, match="revoked"):
            services.redeem(staff_user, revoked, today)


def test_an_expired_pass_is_shown_expired_and_cannot_be_redeemed(app, client, venue, perk,
                                                                 volunteer, today):
    partner_id, staff = venue()
    account = volunteer()
    code = claim(app, account, perk(partner_id), today)
    with app.app_context():
        item = db.session.scalar(db.select(Pass).where(Pass.code == code))
        item.expires_on = today - timedelta(days=1)
        db.session.commit()
    log_in(client, staff)
    html = page_text(client.get(f"/passes/{code}"))
    assert "Expired" in html and "Valid pass" not in html and "/redeem" not in html
    response = client.post(f"/passes/{code}/redeem", headers={"HX-Request": "true"})
    assert response.status_code == 409 and "This pass has expired." in page_text(response)
    assert response.headers["HX-Retarget"] == "#messages"
    log_in(client, account)
    html = page_text(client.get("/perks"))
    assert "Expired" in html and "Valid until" not in html


def test_short_code_can_be_typed(app, client, venue, perk, volunteer, today):
    partner_id, staff = venue()
    code = claim(app, volunteer(), perk(partner_id), today)
    with app.app_context():
        short = db.session.scalar(db.select(Pass).where(Pass.code == code)).short_code_display
    log_in(client, staff)
    response = client.get(f"/partner?code={short.lower()}")
    assert response.status_code == 303 and code in response.headers["Location"]


def test_perks_page_shows_what_is_missing(app, client, venue, perk, volunteer, today):
    partner_id, _ = venue()
    perk(partner_id, min_hours=20)
    log_in(client, volunteer(hours=12))
    assert "12 of 20 approved hours" in page_text(client.get("/perks"))


def test_volunteer_sees_a_revoked_pass_and_its_reason(app, client, venue, perk, volunteer,
                                                      today, make_user):
    partner_id, _ = venue()
    account, coordinator = volunteer(), make_user("coordinator")
    code = claim(app, account, perk(partner_id), today)
    with app.app_context():
        item = db.session.scalar(db.select(Pass).where(Pass.code == code))
        services.revoke(db.session.get(User, coordinator.id), item.id, "Duplicate")
        db.session.commit()
        pass_id = item.id
    log_in(client, account)
    assert "Revoked: Duplicate" in page_text(client.get("/perks"))
    assert "Revoked: Duplicate" in page_text(client.get(f"/perks/passes/{pass_id}"))


def test_pass_page_needs_no_external_resource(app, client, venue, perk, volunteer, today):
    partner_id, _ = venue()
    account = volunteer()
    claim(app, account, perk(partner_id), today)
    log_in(client, account)
    with app.app_context():
        pass_id = db.session.scalar(db.select(Pass.id))
    html = page_text(client.get(f"/perks/passes/{pass_id}"))
    assert "data:image/svg+xml" in html
    assert 'src="http' not in html and 'href="http' not in html.replace(
        'href="http://localhost', "")


def test_another_volunteer_cannot_open_my_pass(app, client, venue, perk, volunteer, today):
    partner_id, _ = venue()
    owner = volunteer()
    code = claim(app, owner, perk(partner_id), today)
    log_in(client, volunteer())
    with app.app_context():
        pass_id = db.session.scalar(db.select(Pass.id))
    assert client.get(f"/perks/passes/{pass_id}").status_code == 404
    assert client.get(f"/passes/{code}").status_code == 404


def test_public_thanks_shows_only_those_who_opted_in(app, client, volunteer, today):
    volunteer(months=4, name="Opted In")
    volunteer(months=4, name="Stays Private")
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(name="Opted In")).public_thanks = True
        db.session.commit()
    html = page_text(client.get("/thanks"))
    assert "Opted" in html and "Stays" not in html and "4 months of volunteering" in html
    assert "In" not in html.split("Opted")[1][:5]  # first name only


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_coordinator_perk_pages_refuse_others(client, login_as, role):
    login_as(role)
    for path in ("/coordinate/perks", "/coordinate/perks/new"):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["resident", "coordinator", "partner"])
def test_partner_admin_is_for_admins(client, login_as, role):
    login_as(role)
    assert client.get("/admin/partners").status_code == 403


@pytest.mark.parametrize("role", ["newcomer", "partner"])
def test_perks_are_for_volunteers(client, login_as, role):
    login_as(role)
    assert client.get("/perks").status_code == 403


def test_admin_adds_partner_staff(app, client, login_as, make_user):
    staff = make_user("resident", email="door@example.org")
    login_as("admin")
    client.post("/admin/partners/new", data={"name": "Cinéma Le Club", "kind": "cinema"})
    with app.app_context():
        partner_id = db.session.scalar(db.select(Partner.id))
    response = client.post(f"/admin/partners/{partner_id}/staff", data={"email": "nobody@x.org"})
    assert response.status_code == 422 and "No account has this email" in page_text(response)
    client.post(f"/admin/partners/{partner_id}/staff", data={"email": "door@example.org"})
    with app.app_context():
        assert "partner" in db.session.get(User, staff.id).role_names


def test_coordinator_creates_a_perk_with_titles_in_several_languages(app, client, login_as,
                                                                     venue, today):
    partner_id, _ = venue()
    login_as("coordinator")
    data = {"partner": str(partner_id), "kind": "museum", "stock": "5", "per_volunteer": "1",
            "valid_from": today.isoformat(), "valid_until": (today - timedelta(days=1)).isoformat(),
            "min_hours": "0", "min_months": "0", "title_fr": "Visite", "title_ar": "زيارة"}
    response = client.post("/coordinate/perks/new", data=data)
    assert response.status_code == 422 and "must be after its start" in page_text(response)
    data["valid_until"] = (today + timedelta(days=10)).isoformat()
    assert client.post("/coordinate/perks/new", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Perk.titles)) == {"fr": "Visite", "ar": "زيارة"}



def test_a_disabled_volunteer_is_no_longer_thanked_in_public(app, client, volunteer):
    volunteer(months=4, name="Kept Thanked")
    volunteer(months=4, name="Later Disabled")
    with app.app_context():
        for person in db.session.scalars(db.select(User).where(
                User.name.in_(("Kept Thanked", "Later Disabled")))):
            person.public_thanks = True
        db.session.scalar(db.select(User).filter_by(name="Later Disabled")).is_enabled = False
        db.session.commit()
    html = page_text(client.get("/thanks"))
    assert "Kept" in html and "Later" not in html


def test_a_used_pass_does_not_look_valid(app, client, venue, perk, volunteer, today):
    # A redeemed pass: no QR code, no "valid until", no "show this page", a clear notice.
    partner_id, staff = venue()
    account = volunteer()
    code = claim(app, account, perk(partner_id), today)
    with app.app_context():
        pass_id = db.session.scalar(db.select(Pass.id).where(Pass.code == code))
    log_in(client, account)
    fresh = client.get(f"/perks/passes/{pass_id}").get_data(as_text=True)
    assert 'class="qr"' in fresh and "Valid until" in fresh and "badge-valid" in fresh
    log_in(client, staff)
    assert client.post(f"/passes/{code}/redeem").status_code in (200, 303)
    log_in(client, account)
    used = client.get(f"/perks/passes/{pass_id}").get_data(as_text=True)
    assert "This pass can no longer be used." in used and "Used on" in used
    assert 'class="qr"' not in used and "Valid until" not in used
    assert "Show this page" not in used and "badge-valid" not in used
