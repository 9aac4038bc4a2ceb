"""The performance budget of the perks, passes and thanks pages (issue 17): at most 8 SQL
statements per page, the same number whatever the data, and at most 30 KB of HTML with
more rows than a page holds."""

from datetime import timedelta

import pytest

from mentorship.accounts.models import User, UserRole
from mentorship.database import utcnow
from mentorship.dates import add_months
from mentorship.extensions import db
from mentorship.recognition.models import Pass, Perk
from mentorship.reports.cache import forget
from mentorship.volunteering.models import Commitment
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, log_in


def measure(app, client, path):
    # Figures kept in memory (reports.cache: passes by month) are counted again: the
    # budget holds for the request that counts them.
    with app.app_context():
        forget()
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count, response


def add_perks(app, partner_id, today, count):
    with app.app_context():
        perks = [Perk(partner_id=partner_id, stock=100, per_volunteer=5,
                      titles={"en": f"Free entry to the exhibition number {n}"},
                      valid_from=today - timedelta(days=1),
                      valid_until=today + timedelta(days=30)) for n in range(count)]
        db.session.add_all(perks)
        db.session.commit()
        return [p.id for p in perks]


def add_passes(app, perk_ids, today, count, *, user_id=None, redeemed_by=None, start=0):
    """``count`` passes of the perks in turn: each for a new volunteer who chose to be
    thanked (or all for ``user_id``), used at the venue by ``redeemed_by`` if given."""
    with app.app_context():
        for n in range(start, start + count):
            holder = user_id
            if holder is None:
                user = User(name=f"Bulk Volunteer {n} Family-Name", email=f"bulk{n}@x.org",
                            locale="en", password_hash="x", public_thanks=True)
                user.roles = [UserRole(role="resident")]
                db.session.add(user)
                db.session.add(Commitment(user=user, role="mentor", current_role="mentor",
                                          status="active", start_date=add_months(today, -3),
                                          end_date=add_months(today, 3), min_months=6))
                db.session.flush()
                holder = user.id
            db.session.add(Pass(
                perk_id=perk_ids[n % len(perk_ids)], user_id=holder,
                expires_on=today + timedelta(days=30),
                status="redeemed" if redeemed_by else "issued",
                redeemed_at=utcnow() - timedelta(days=n) if redeemed_by else None,
                redeemed_by_id=redeemed_by))
        db.session.commit()


@pytest.mark.parametrize(("path", "who"), [
    ("/perks", "volunteer"),
    ("/thanks", None),
    ("/partner", "partner"),
    ("/coordinate/perks", "coordinator"),
    ("/coordinate/perks/passes", "coordinator"),
    ("/coordinate/perks/passes?volunteer=bulk&state=issued", "coordinator"),
])
def test_the_perks_pages_keep_their_budget(app, client, make_user, venue, volunteer, today,
                                           path, who):
    partner_id, staff = venue()
    me = volunteer(hours=20, months=3)
    account = {"volunteer": me, "partner": staff,
               "coordinator": make_user("coordinator") if who == "coordinator" else None}
    if who:
        log_in(client, account[who])
    redeemed_by = staff.id if who == "partner" else None
    perks = add_perks(app, partner_id, today, 2)
    add_passes(app, perks, today, 2, redeemed_by=redeemed_by)
    add_passes(app, perks, today, 1, user_id=me.id, start=2)
    few, _ = measure(app, client, path)
    assert few <= MAX_QUERIES
    perks += add_perks(app, partner_id, today, 8)
    add_passes(app, perks, today, 70, redeemed_by=redeemed_by, start=3)
    add_passes(app, perks, today, 20, user_id=me.id, start=73)
    many, response = measure(app, client, path)
    assert many == few
    assert len(response.data) < MAX_BYTES
