"""The coordinator's lists: the matching board and the matches, searchable by name and
filtered, a page at a time, with what each row shows loaded up front."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, load_only

from ..accounts.models import LanguageSkill, User
from ..checkins.flags import open_flag_count
from ..database import ListPage, RowsPage, utcnow
from ..dates import programme_today
from ..extensions import db
from ..programme.models import Neighbourhood
from ..reports.cache import remembered
from ..search import fold
from ..volunteering.models import Commitment
from .endings import needs_decision
from .models import (
    ACTIVE,
    OPEN,
    PROPOSED,
    WAITING_LONG_DAYS,
    BuddyRequest,
    Match,
    MatchFlag,
)
from .services import person_matches

# The board's "state" filter: open requests with no proposal yet, with one waiting for
# answers, or waiting WAITING_LONG_DAYS days or more.
BOARD_STATES = ("unproposed", "proposed", "waiting_long")
# The matches list's "state" filter (matches_list).
MATCH_LIST_STATES = ("active", "proposed", "decision")

# The two people of a match, made once: an alias is costly to build at every request.
_volunteer, _newcomer = aliased(User, name="volunteer"), aliased(User, name="newcomer")


@dataclass
class BoardRow:
    """One open request as the board shows it."""

    id: int
    role: str
    target_language: str | None
    created_at: datetime
    newcomer_name: str
    neighbourhood_name: str | None
    languages: list = field(default_factory=list)  # the newcomer's language codes
    proposed_to: list = field(default_factory=list)  # the proposed volunteers' names

    # The request's own rules, read from these fields (created_at) as from the model's.
    waiting_days = BuddyRequest.waiting_days
    is_flagged = BuddyRequest.is_flagged


def board(*, q=None, role=None, neighbourhood_id=None, state=None, page=1, per_page=20,
          now=None):
    """Open requests, oldest first, as BoardRow: all, or those whose newcomer (or proposed
    volunteer) has ``q`` in their name, of one role, neighbourhood or state
    (BOARD_STATES). The page also carries ``needing_attention``: how many matches have an
    open early-warning flag (the board's line about them), the same for every coordinator
    and kept until the next write (``remembered``).

    Only the columns the board shows are read, in four statements whatever the page holds
    (the requests, their total, the newcomers' languages, the proposed volunteers), each
    built once per set of filters (``_board_statements``)."""
    page = max(page or 1, 1)
    params = {"open": OPEN, "proposed": PROPOSED, "limit": per_page,
              "offset": (page - 1) * per_page}
    if q:  # as person_matches: folded, and LIKE's wildcards searched as typed
        params["q"] = fold(q).replace("/", "//").replace("%", "/%").replace("_", "/_")
    if role:
        params["role"] = role
    if neighbourhood_id:
        params["neighbourhood_id"] = neighbourhood_id
    if state == "waiting_long":
        params["cutoff"] = (now or utcnow()) - timedelta(days=WAITING_LONG_DAYS)
    statements = _board_statements(frozenset(params), state)
    by_newcomer, by_request = {}, {}
    for *values, newcomer_id in db.session.execute(statements["rows"], params):
        item = BoardRow(*values)
        by_newcomer.setdefault(newcomer_id, []).append(item)
        by_request[item.id] = item
    found = ListPage(list(by_request.values()), page, per_page,
                     db.session.scalar(statements["count"], params))
    if found.items:
        for user_id, language in db.session.execute(
                statements["languages"], {"ids": list(by_newcomer)}):
            for item in by_newcomer[user_id]:
                item.languages.append(language)
        for request_id, name in db.session.execute(
                statements["proposed_to"], {"ids": list(by_request), "proposed": PROPOSED}):
            by_request[request_id].proposed_to.append(name)
    found.needing_attention = remembered(("open-flag-count",), open_flag_count)
    return found


@cache
def _board_statements(filters, state):
    """The board's statements for one set of filters (the names of the parameters given)
    and state, built once each: building them cost more than running them."""
    newcomer, volunteer = User, _volunteer  # the volunteer only in a subquery (search)
    proposed = exists().where(Match.request_id == BuddyRequest.id,
                              Match.status == bindparam("proposed"))
    conditions = [BuddyRequest.status == bindparam("open")]
    if "q" in filters:
        volunteer_named = exists().where(
            Match.request_id == BuddyRequest.id, Match.status == bindparam("proposed"),
            volunteer.id == Match.volunteer_id,
            volunteer.search_text.contains(bindparam("q"), escape="/"))
        conditions.append(or_(newcomer.search_text.contains(bindparam("q"), escape="/"),
                              volunteer_named))
    if "role" in filters:
        conditions.append(BuddyRequest.role == bindparam("role"))
    if "neighbourhood_id" in filters:
        conditions.append(BuddyRequest.neighbourhood_id == bindparam("neighbourhood_id"))
    if state == "unproposed":
        conditions.append(~proposed)
    elif state == "proposed":
        conditions.append(proposed)
    if "cutoff" in filters:
        conditions.append(BuddyRequest.created_at <= bindparam("cutoff"))
    rows = (select(BuddyRequest.id, BuddyRequest.role, BuddyRequest.target_language,
                   BuddyRequest.created_at, newcomer.name, Neighbourhood.name, newcomer.id)
            .join(newcomer, BuddyRequest.user)
            .outerjoin(Neighbourhood, BuddyRequest.neighbourhood)
            .where(*conditions)
            .order_by(BuddyRequest.created_at, BuddyRequest.id)
            .limit(bindparam("limit")).offset(bindparam("offset")))
    count = select(func.count(BuddyRequest.id)).select_from(BuddyRequest)
    if "q" in filters:
        count = count.join(newcomer, BuddyRequest.user)
    return {
        "rows": rows,
        "count": count.where(*conditions),
        "languages": select(LanguageSkill.user_id, LanguageSkill.language)
        .where(LanguageSkill.user_id.in_(bindparam("ids", expanding=True)))
        .order_by(LanguageSkill.id),
        "proposed_to": select(Match.request_id, User.name).join(User, Match.volunteer)
        .where(Match.request_id.in_(bindparam("ids", expanding=True)),
               Match.status == bindparam("proposed"))
        .order_by(Match.created_at),
    }


@dataclass
class _CommitmentState:
    """What the matches list reads of a volunteer's commitment (its state as of a day)."""

    status: str
    end_date: date

    # The commitment's own rule (past its end date, an active one is completed).
    current_status = Commitment.current_status


@dataclass
class MatchRow:
    """One match as the coordinator's matches list shows it."""

    id: int
    status: str
    request_id: int
    activated_at: datetime | None
    created_at: datetime
    volunteer_name: str
    newcomer_name: str
    role: str
    neighbourhood_name: str | None
    commitment: _CommitmentState
    open_flags: list = field(default_factory=list)  # MatchFlag: the "needs attention" badge


def matches_list(*, q=None, role=None, neighbourhood_id=None, state="active", page=1,
                 per_page=25, today=None):
    """Matches for coordinators, as MatchRow: active ones (``state`` "active"), proposals
    waiting for answers ("proposed") or active ones waiting for their volunteer's decision
    ("decision"), searchable by either person's name and filtered by role and the
    request's neighbourhood. Only the columns the list shows are read, in three
    statements (the matches, their total counted on the ids, their open flags)."""
    today = today or programme_today()
    volunteer, newcomer = _volunteer, _newcomer
    conditions = []
    if state == "proposed":
        conditions.append(Match.status == PROPOSED)
        order = (Match.created_at, Match.id)
    else:
        conditions.append(needs_decision(today) if state == "decision"
                          else Match.status == ACTIVE)
        order = (Match.activated_at, Match.id)
    if q:
        conditions.append(or_(person_matches(volunteer, q), person_matches(newcomer, q)))
    if role:
        conditions.append(BuddyRequest.role == role)
    if neighbourhood_id:
        conditions.append(BuddyRequest.neighbourhood_id == neighbourhood_id)
    rows = (select(Match.id, Match.status, Match.request_id, Match.activated_at,
                   Match.created_at, volunteer.name, newcomer.name, BuddyRequest.role,
                   Neighbourhood.name, Commitment.status, Commitment.end_date)
            .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
            .join(BuddyRequest, Match.request).join(Commitment, Match.commitment)
            .outerjoin(Neighbourhood, BuddyRequest.neighbourhood)
            .where(*conditions).order_by(*order))
    count = select(func.count(Match.id)).select_from(Match)
    if q:
        count = count.join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
    if role or neighbourhood_id:
        count = count.join(BuddyRequest, Match.request)
    if state == "decision":
        count = count.join(Commitment, Match.commitment)
    found = RowsPage(page=page, per_page=per_page, error_out=False, rows=rows,
                  total=count.where(*conditions))
    found.items = [MatchRow(*values, _CommitmentState(status, end_date))
                   for *values, status, end_date in found.items]
    if found.items:
        by_id = {item.id: item for item in found.items}
        for flag in db.session.scalars(
                select(MatchFlag).options(load_only(MatchFlag.match_id, MatchFlag.reason))
                .where(MatchFlag.match_id.in_(by_id), MatchFlag.resolved_at.is_(None))
                .order_by(MatchFlag.raised_at)):
            by_id[flag.match_id].open_flags.append(flag)
    return found
