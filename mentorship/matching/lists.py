"""The coordinator's lists: the matching board and the matches, searchable by name and
filtered, a page at a time, with what each row shows loaded up front."""

from datetime import timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..checkins.flags import open_flag_count
from ..database import utcnow
from ..dates import programme_today
from ..extensions import db
from ..volunteering.models import Commitment
from .endings import needs_decision
from .models import ACTIVE, OPEN, PROPOSED, WAITING_LONG_DAYS, BuddyRequest, Match
from .services import person_matches

# The board's "state" filter: open requests with no proposal yet, with one waiting for
# answers, or waiting WAITING_LONG_DAYS days or more.
BOARD_STATES = ("unproposed", "proposed", "waiting_long")
# The matches list's "state" filter (matches_list).
MATCH_LIST_STATES = ("active", "proposed", "decision")


def board(*, q=None, role=None, neighbourhood_id=None, state=None, page=1, per_page=20,
          now=None):
    """Open requests, oldest first, with what the board shows loaded up front: all, or
    those whose newcomer (or proposed volunteer) has ``q`` in their name, of one role,
    neighbourhood or state (BOARD_STATES). The page also carries ``needing_attention``:
    how many matches have an open early-warning flag (the board's line about them)."""
    newcomer = aliased(User)
    proposed = exists().where(Match.request_id == BuddyRequest.id, Match.status == PROPOSED)
    query = (select(BuddyRequest).join(newcomer, BuddyRequest.user)
             .options(db.contains_eager(BuddyRequest.user.of_type(newcomer))
                      .options(db.selectinload(newcomer.languages),
                               db.lazyload(newcomer.roles)),
                      db.joinedload(BuddyRequest.neighbourhood),
                      db.selectinload(BuddyRequest.matches).joinedload(Match.volunteer)
                      .lazyload(User.roles))
             .where(BuddyRequest.status == OPEN))
    if q:
        volunteer = aliased(User)
        volunteer_named = exists().where(
            Match.request_id == BuddyRequest.id, Match.status == PROPOSED,
            volunteer.id == Match.volunteer_id, person_matches(volunteer, q))
        query = query.where(or_(person_matches(newcomer, q), volunteer_named))
    if role:
        query = query.where(BuddyRequest.role == role)
    if neighbourhood_id:
        query = query.where(BuddyRequest.neighbourhood_id == neighbourhood_id)
    if state == "unproposed":
        query = query.where(~proposed)
    elif state == "proposed":
        query = query.where(proposed)
    elif state == "waiting_long":
        cutoff = (now or utcnow()) - timedelta(days=WAITING_LONG_DAYS)
        query = query.where(BuddyRequest.created_at <= cutoff)
    query = query.order_by(BuddyRequest.created_at, BuddyRequest.id)
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    found.needing_attention = open_flag_count()
    return found


def matches_list(*, q=None, role=None, neighbourhood_id=None, state="active", page=1,
                 per_page=25, today=None):
    """Matches for coordinators: active ones (``state`` "active"), proposals waiting for
    answers ("proposed") or active ones waiting for their volunteer's decision
    ("decision"), searchable by either person's name and filtered by role and the
    request's neighbourhood."""
    today = today or programme_today()
    volunteer, newcomer = aliased(User), aliased(User)
    query = (select(Match)
             .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
             .join(BuddyRequest, Match.request).join(Commitment, Match.commitment)
             .options(db.contains_eager(Match.volunteer.of_type(volunteer))
                      .lazyload(volunteer.roles),
                      db.contains_eager(Match.newcomer.of_type(newcomer))
                      .lazyload(newcomer.roles),
                      db.contains_eager(Match.request).joinedload(BuddyRequest.neighbourhood),
                      db.contains_eager(Match.commitment),
                      db.selectinload(Match.open_flags)))  # the "needs attention" badge
    if state == "proposed":
        query = query.where(Match.status == PROPOSED).order_by(Match.created_at, Match.id)
    else:
        query = query.where(needs_decision(today) if state == "decision"
                            else Match.status == ACTIVE)
        query = query.order_by(Match.activated_at, Match.id)
    if q:
        query = query.where(or_(person_matches(volunteer, q), person_matches(newcomer, q)))
    if role:
        query = query.where(BuddyRequest.role == role)
    if neighbourhood_id:
        query = query.where(BuddyRequest.neighbourhood_id == neighbourhood_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
