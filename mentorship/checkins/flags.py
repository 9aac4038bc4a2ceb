"""Early warning: what flags a match, who is told, and how a flag is resolved.

A "very hard" answer (the lowest step of a scale), a volunteer asking for support, or
every second missed check-in of a match raises one flag (one per check-in and reason:
the unique constraint keeps it to one under a double submit or two sweeps at once) and
one email to the coordinators, through the outbox. A coordinator records what was done;
the flag is then resolved and its badge goes.
"""

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..database import add_once, conditional_update, utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from ..matching.models import MISSED_CHECKINS, SUPPORT, VERY_HARD, Match, MatchFlag
from ..matching.services import coordinators_to_tell
from .models import MISSED, SCALE, VERY_HARD_ANSWER, VOLUNTEER, YESNO, Checkin

RESOLUTION_LIMIT = 2000


class FlagError(DomainError):
    """A refused resolution."""


def raise_flag(match, reason, checkin):
    """Flag ``match`` for ``reason`` (once per check-in) and tell the coordinators."""
    flag = MatchFlag(match_id=match.id, reason=reason, checkin_id=checkin.id)
    if not add_once(flag):
        return None
    record(None, "match.flagged", match, reason=reason, checkin=checkin.id)
    for person in coordinators_to_tell(match):
        send_email(person.email, _l("A match needs your attention"), "match_flagged",
                   locale=person.locale, user=person, match=match, flag=flag,
                   checkin=checkin)
    return flag


def on_answered(checkin):
    """What a sent check-in flags: a "very hard" answer, a request for support."""
    very_hard = support = False
    for row in checkin.answers:
        if row.skipped or row.value is None:
            continue
        kind = row.question.kind
        if kind == SCALE and row.value == VERY_HARD_ANSWER:
            very_hard = True
        if kind == YESNO and checkin.audience == VOLUNTEER and row.question.key == "support" \
                and row.value == 1:
            support = True
    raised = []
    if very_hard:
        raised.append(raise_flag(checkin.match, VERY_HARD, checkin))
    if support:
        raised.append(raise_flag(checkin.match, SUPPORT, checkin))
    return [flag for flag in raised if flag is not None]


def on_missed(checkin):
    """Every second check-in missed on a match (either side's) flags it."""
    missed = db.session.scalar(select(func.count()).select_from(Checkin).where(
        Checkin.match_id == checkin.match_id, Checkin.status == MISSED))
    if missed and missed % 2 == 0:
        return raise_flag(checkin.match, MISSED_CHECKINS, checkin)
    return None


def resolve(actor, flag_id, resolution):
    """Record what was done about a flag; the flag is then resolved."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise FlagError(_l("Please write what was done."), "resolution")
    if len(resolution) > RESOLUTION_LIMIT:
        raise FlagError(_l("Please keep this under %(num)d characters.",
                           num=RESOLUTION_LIMIT), "resolution")
    flag = db.session.get(MatchFlag, flag_id)
    if flag is None:
        raise FlagError(_l("This flag does not exist."), status=404)
    done = conditional_update(update(MatchFlag).where(
        MatchFlag.id == flag.id, MatchFlag.resolved_at.is_(None)).values(
        resolved_at=utcnow(), resolved_by_id=actor.id, resolution=resolution))
    if not done:
        raise FlagError(_l("This flag was already resolved."))
    db.session.refresh(flag)
    record(actor, "match.flag_resolved", flag.match, resolution, flag=flag.id,
           reason=flag.reason)
    return flag


def flagged_matches_query():
    """Matches with an open flag, the longest-flagged first (paginate it)."""
    oldest = select(MatchFlag.match_id, func.min(MatchFlag.raised_at).label("since")) \
        .where(MatchFlag.resolved_at.is_(None)).group_by(MatchFlag.match_id).subquery()
    return select(Match).join(oldest, oldest.c.match_id == Match.id) \
        .options(selectinload(Match.open_flags).selectinload(MatchFlag.checkin),
                 selectinload(Match.volunteer), selectinload(Match.newcomer)) \
        .order_by(oldest.c.since, Match.id)


def open_flag_count():
    return db.session.scalar(select(func.count(func.distinct(MatchFlag.match_id))).where(
        MatchFlag.resolved_at.is_(None)))
