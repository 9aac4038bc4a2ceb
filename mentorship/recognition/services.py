"""Recognition: partner venues, perks and their eligibility rules, passes (claimed
without ever overselling, redeemed once at the right venue), public thanks."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select, update

from ..accounts.models import PARTNER, User, UserRole, find_user_by_email
from ..audit.services import record
from ..database import (
    RowsPage,
    add_once,
    conditional_update,
    locked,
    locked_one,
    month_of,
    utcnow,
)
from ..dates import add_months, local_to_utc
from ..errors import DomainError
from ..extensions import db
from ..formatting import format_day
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import HourEntry
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext, ngettext
from ..search import fold
from ..training.models import Certificate
from ..volunteering.models import ACTIVE, COMPLETED, ROLE_NAMES, Commitment
from .models import EXPIRED, ISSUED, REDEEMED, REVOKED, Partner, PartnerStaff, Pass, Perk

SERVED_STATES = (ACTIVE, COMPLETED)
# Claims follow the commitment. A volunteer claims new passes while a commitment is
# current (waiting for training or active; each perk's own rules still apply), and for
# THANKS_AFTER_COMPLETION_DAYS after one is completed: they served and have earned their
# thanks. A commitment ended early opens no new claim, and a resident who never had a
# commitment has none either. Passes already issued stay valid whatever happens to the
# commitment (only a coordinator's revocation ends one).
THANKS_AFTER_COMPLETION_DAYS = 90


class RecognitionError(DomainError):
    """A refused change to venues, perks or passes."""


# Partners ----------------------------------------------------------------------------


def save_partner(actor, partner, *, name, kind, address, website):
    creating = partner is None
    partner = partner or Partner()
    partner.name, partner.kind = name.strip(), kind
    partner.address = (address or "").strip() or None
    partner.website = (website or "").strip() or None
    db.session.add(partner)
    db.session.flush()
    record(actor, "partner.created" if creating else "partner.updated", partner)
    return partner


def add_staff(actor, partner, email):
    """Attach an existing account to a venue (it gets the partner role)."""
    user = find_user_by_email(email)
    if user is None:
        raise RecognitionError(_l("No account has this email. Ask the person to register "
                                  "first."), "email")
    existing = db.session.scalar(select(PartnerStaff).where(PartnerStaff.user_id == user.id))
    if existing is not None and existing.partner_id != partner.id:
        raise RecognitionError(_l("This person already checks passes for another venue."),
                               "email")
    if existing is None:
        db.session.add(PartnerStaff(partner_id=partner.id, user_id=user.id))
    if PARTNER not in user.role_names:
        user.roles.append(UserRole(role=PARTNER))
    record(actor, "partner.staff_added", partner, user_id=user.id)
    return user


def remove_staff(actor, partner, user_id):
    link = db.session.scalar(select(PartnerStaff).where(
        PartnerStaff.partner_id == partner.id, PartnerStaff.user_id == user_id))
    if link is None:
        raise RecognitionError(_l("This person does not work for this venue."))
    db.session.delete(link)
    user = db.session.get(User, user_id)
    for role in [r for r in user.roles if r.role == PARTNER]:
        user.roles.remove(role)
    record(actor, "partner.staff_removed", partner, user_id=user_id)


def venue_of(user):
    """The partner venue a partner-role account works for, or None."""
    return db.session.scalar(select(Partner).join(PartnerStaff)
                             .where(PartnerStaff.user_id == user.id))


# Perks and eligibility ---------------------------------------------------------------


def save_perk(actor, perk, **fields):
    if fields["valid_until"] < fields["valid_from"]:
        raise RecognitionError(_l("The end of validity must be after its start."),
                               "valid_until")
    creating = perk is None
    perk = perk or Perk()
    if not creating and fields["stock"] < perk.claimed:
        raise RecognitionError(_l("%(num)d passes have already been claimed: the stock cannot "
                                  "be lower.", num=perk.claimed), "stock")
    for name, value in fields.items():
        setattr(perk, name, value)
    db.session.add(perk)
    db.session.flush()
    record(actor, "perk.created" if creating else "perk.updated", perk)
    return perk


def set_paused(actor, perk_id, paused):
    perk = locked_one(Perk, perk_id)
    if perk is None:
        raise RecognitionError(_l("This perk does not exist."))
    perk.paused = paused
    record(actor, "perk.paused" if paused else "perk.resumed", perk)
    return perk


def claim_refusal(commitments, today):
    """Why a volunteer with these commitments may claim no new pass on ``today``; None
    if they may (see ``THANKS_AFTER_COMPLETION_DAYS``)."""
    if not commitments:
        return _l("Passes are a thank-you to volunteers: they can be claimed once your "
                  "application is approved.")
    if any(c.is_current_on(today) for c in commitments):
        return None

    def ended(commitment):
        if commitment.is_completed_on(today):
            return commitment.completed_on or commitment.end_date
        return commitment.ended_on or commitment.end_date

    last = max(commitments, key=lambda c: (ended(c), c.id))
    if last.is_completed_on(today):
        if today <= ended(last) + timedelta(days=THANKS_AFTER_COMPLETION_DAYS):
            return None
        return lazy_ngettext(
            "Your commitment was completed on %(date)s. New passes can be claimed for "
            "%(num)d day after a commitment is completed: renew it to claim again. The "
            "passes you have stay valid.",
            "Your commitment was completed on %(date)s. New passes can be claimed for "
            "%(num)d days after a commitment is completed: renew it to claim again. The "
            "passes you have stay valid.",
            THANKS_AFTER_COMPLETION_DAYS, date=format_day(ended(last), "long"))
    return _l("Your commitment ended on %(date)s, so new passes cannot be claimed. The "
              "passes you have stay valid.", date=format_day(ended(last), "long"))


def volunteer_record(user_id, today):
    """What eligibility looks at, for one volunteer: approved minutes, months served,
    roles served, valid certificates' roles, and why no new pass may be claimed (None if
    they may)."""
    minutes = db.session.scalar(select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
        HourEntry.user_id == user_id, HourEntry.status == HOURS_APPROVED))
    commitments = db.session.scalars(select(Commitment).where(
        Commitment.user_id == user_id)).all()
    served = [c for c in commitments if c.status in SERVED_STATES]
    certificates = set(db.session.scalars(select(Certificate.role).where(
        Certificate.user_id == user_id, Certificate.revoked_at.is_(None))))
    return {
        "minutes": int(minutes),
        "months": max((c.months_served(today) for c in served), default=0),
        "roles": {c.role for c in served},
        "certificates": certificates,
        "refusal": claim_refusal(commitments, today),
    }


def missing_for(perk, facts):
    """What the volunteer still lacks for ``perk``, in words; empty when eligible."""
    missing = []
    if perk.roles and not (set(perk.roles) & facts["roles"]):
        names = ", ".join(str(ROLE_NAMES[r]) for r in perk.roles)
        missing.append(_l("For these roles only: %(roles)s", roles=names))
    hours = facts["minutes"] // 60
    if hours < perk.min_hours:
        missing.append(_l("%(done)d of %(needed)d approved hours", done=hours,
                          needed=perk.min_hours))
    if facts["months"] < perk.min_months:
        missing.append(_l("%(done)d of %(needed)d months served", done=facts["months"],
                          needed=perk.min_months))
    if perk.certificate_required:
        wanted = set(perk.roles) or facts["roles"] or {"any"}
        if not (facts["certificates"] & wanted) and not (
                not perk.roles and facts["certificates"]):
            missing.append(_l("Certificate needed"))
    return missing


def claim(user, perk_id, today):
    """Claim a pass. The stock and the per-volunteer limit hold under any number of
    simultaneous claims: the stock moves by one conditional UPDATE, and one volunteer's
    claims are counted under a lock on their account."""
    perk = db.session.get(Perk, perk_id)
    if perk is None:
        raise RecognitionError(_l("This perk does not exist."))
    facts = volunteer_record(user.id, today)
    if facts["refusal"]:
        raise RecognitionError(facts["refusal"])
    if perk.paused:
        raise RecognitionError(_l("This perk is paused for now."))
    if not perk.valid_from <= today <= perk.valid_until:
        raise RecognitionError(_l("This perk cannot be claimed at the moment."))
    missing = missing_for(perk, facts)
    if missing:
        raise RecognitionError(missing[0])
    locked(select(User.id).where(User.id == user.id))
    mine = db.session.scalar(select(func.count()).select_from(Pass).where(
        Pass.perk_id == perk.id, Pass.user_id == user.id, Pass.status != REVOKED))
    if mine >= perk.per_volunteer:
        raise RecognitionError(ngettext("You already have %(num)d pass for this perk.",
                                        "You already have %(num)d passes for this perk.",
                                        mine))
    taken = conditional_update(
        update(Perk).where(Perk.id == perk.id, Perk.claimed < Perk.stock,
                           Perk.paused.is_(False))
        .values(claimed=Perk.claimed + 1))
    if not taken:
        raise RecognitionError(_l("Sorry, there are no passes left."))
    for _attempt in range(3):
        new_pass = Pass(perk_id=perk.id, user_id=user.id, expires_on=perk.valid_until)
        if add_once(new_pass):
            break
        # A short code already in use (a 1 in 2**50 draw): draw another one.
    else:
        raise RecognitionError(_l("Sorry, something went wrong. Please try again."))
    record(user, "pass.claimed", new_pass, perk_id=perk.id)
    return new_pass


def find_pass(code):
    """A pass by its full code, or by its short form typed by hand (ABCDE-FGHJK)."""
    code = (code or "").strip()
    found = db.session.scalar(select(Pass).where(Pass.code == code))
    if found is None:
        short = code.upper().replace("-", "").replace(" ", "")
        found = db.session.scalar(select(Pass).where(Pass.short_code == short))
    return found


def pass_for_partner(user, code):
    """The pass, if it belongs to this partner's venue; None otherwise (no leak)."""
    found = find_pass(code)
    venue = venue_of(user)
    if found is None or venue is None or found.perk.partner_id != venue.id:
        return None
    return found


def redeem(user, code, today):
    """Mark a pass used, once, by a partner of its venue."""
    found = pass_for_partner(user, code)
    if found is None:
        raise RecognitionError(_l("This pass does not exist."))
    if not found.is_valid_on(today):
        raise RecognitionError({
            REDEEMED: _l("This pass has already been used."),
            REVOKED: _l("This pass has been revoked."),
        }.get(found.status, _l("This pass has expired.")))
    changed = conditional_update(
        update(Pass).where(Pass.id == found.id, Pass.status == ISSUED,
                           Pass.expires_on >= today)
        .values(status=REDEEMED, redeemed_at=utcnow(), redeemed_by_id=user.id))
    if not changed:
        raise RecognitionError(_l("This pass has already been used."))
    db.session.refresh(found)
    record(user, "pass.redeemed", found)
    return found


def revoke(actor, pass_id, reason, return_to_stock=True):
    """Revoke a pass neither used nor revoked. Unless the coordinator says otherwise, it
    goes back to its perk's stock: one conditional UPDATE, like a claim, so a claim of
    the last pass at the same moment keeps the count right."""
    reason = (reason or "").strip()
    if not reason:
        raise RecognitionError(_l("Please give the reason: the volunteer will see it."),
                               "reason")
    found = locked_one(Pass, pass_id)
    if found is None or not found.may_be_revoked:
        raise RecognitionError(_l("Only a valid pass can be revoked."))
    found.status, found.revoked_at = REVOKED, utcnow()
    found.revoked_reason, found.revoked_by_id = reason, actor.id
    returned = bool(return_to_stock) and conditional_update(
        update(Perk).where(Perk.id == found.perk_id, Perk.claimed > 0)
        .values(claimed=Perk.claimed - 1)) == 1
    record(actor, "pass.revoked", found, reason, perk_id=found.perk_id,
           returned_to_stock=returned)
    return found


# Pages -------------------------------------------------------------------------------


def perks_for(user, today, mine=None):
    """Every perk with the volunteer's standing: (perk, missing words, my passes).
    ``mine``: the volunteer's passes when already read (``my_passes``)."""
    facts = volunteer_record(user.id, today)
    perks = db.session.scalars(select(Perk).options(db.joinedload(Perk.partner))
                               .where(Perk.valid_until >= today)
                               .order_by(Perk.valid_until, Perk.id)).all()
    passes = defaultdict(list)
    for item in my_passes(user.id) if mine is None else mine:
        passes[item.perk_id].append(item)
    return [(perk, missing_for(perk, facts), passes[perk.id]) for perk in perks], facts


def my_passes(user_id):
    return db.session.scalars(select(Pass).options(db.joinedload(Pass.perk)
                                                   .joinedload(Perk.partner))
                              .where(Pass.user_id == user_id)
                              .order_by(Pass.issued_at.desc())).all()


def redeemed_by_month(partner_id):
    """(first day of the month, passes used) at a venue, newest month first.

    Months are the programme's calendar months: a pass used on the 1st just after
    midnight, local time, counts in that month even though it is still the last day of
    the month before in UTC. A time zone is less than a day away from UTC, so only a
    pass used on the first day or the last days of a UTC month may belong to another
    local month: those are read one by one and compared with the moment (in UTC) the
    local month begins, every other pass is counted by its UTC month in SQL (a few rows
    per month, however many passes).
    """
    used_at = Pass.redeemed_at
    at_edge = case((func.extract("day", used_at).between(2, 27), None), else_=used_at)
    # Grouped by the columns' names: PostgreSQL takes the bound values of a repeated
    # expression (the month's format, the edge's days) for different expressions.
    rows = db.session.execute(
        select(month_of(used_at).label("month"), at_edge.label("edge"), func.count())
        .join(Perk, Perk.id == Pass.perk_id)
        .where(Perk.partner_id == partner_id, Pass.status == REDEEMED, used_at.is_not(None))
        .group_by("month", "edge")).all()
    starts = {}

    def local_start(first):  # when the local month beginning on ``first`` begins, in UTC
        if first not in starts:
            starts[first] = local_to_utc(datetime.combine(first, time()))
        return starts[first]

    months = Counter()
    for utc_month, moment, count in rows:
        first = date(int(utc_month[:4]), int(utc_month[5:7]), 1)
        if moment is not None and moment.day == 1 and moment < local_start(first):
            first = add_months(first, -1)
        elif moment is not None and moment.day > 1 and moment >= local_start(
                add_months(first, 1)):
            first = add_months(first, 1)
        months[first] += count
    return sorted(months.items(), reverse=True)


@dataclass
class UsedPass:
    """A pass used at a venue, as the venue's list shows it."""

    redeemed_at: datetime
    perk_title: str
    name: str  # the holder's: the list shows their first name only

    first_name = User.first_name


def redemptions(partner_id, page=1, per_page=25):
    """The passes used at a venue, newest first, a page at a time: when, the perk's
    title, the holder's first name (plain values, no ORM object)."""
    conditions = (Perk.partner_id == partner_id, Pass.status == REDEEMED)
    rows = (select(Pass.redeemed_at, Pass.perk_id, Perk.titles, User.name)
            .join(Perk, Perk.id == Pass.perk_id).join(User, User.id == Pass.user_id)
            .where(*conditions).order_by(Pass.redeemed_at.desc(), Pass.id.desc()))
    total = select(func.count(Pass.id)).join(Perk, Perk.id == Pass.perk_id).where(*conditions)
    found = RowsPage(rows=rows, total=total, page=page, per_page=per_page, error_out=False)
    titles = {}  # a venue has a few perks: each title found once in the reader's language
    for _when, perk_id, texts, _name in found.items:
        if perk_id not in titles:
            titles[perk_id] = Perk.text_for_reader(texts)
    found.items = [UsedPass(when, titles[perk_id], name)
                   for when, perk_id, _texts, name in found.items]
    return found


OVERVIEW_MONTHS = 12  # the overview's table of claims and redemptions by month


def overview():
    """Every perk, with its venue (the stock left is on the perk)."""
    return db.session.scalars(select(Perk).options(db.joinedload(Perk.partner))
                              .order_by(Perk.valid_until.desc(), Perk.id)).all()


def claims_by_month():
    """(YYYY-MM, passes claimed, passes used) of the latest OVERVIEW_MONTHS months, newest
    first: plain figures, the same for every coordinator. Two statements."""
    claimed_month, redeemed_month = month_of(Pass.issued_at), month_of(Pass.redeemed_at)
    claims = dict(db.session.execute(select(claimed_month, func.count())
                                     .group_by(claimed_month)).all())
    redemptions = dict(db.session.execute(
        select(redeemed_month, func.count()).where(Pass.status == REDEEMED)
        .group_by(redeemed_month)).all())
    months = sorted(set(claims) | set(redemptions), reverse=True)[:OVERVIEW_MONTHS]
    return [(m, claims.get(m, 0), redemptions.get(m, 0)) for m in months]


@dataclass
class PassRow:
    """One pass as the coordinator's passes list shows it: plain values, and the pass's
    own rules on them."""

    id: int
    user_id: int
    holder_name: str
    perk_id: int
    venue_name: str
    status: str
    issued_at: datetime
    expires_on: date
    redeemed_at: datetime | None
    revoked_reason: str | None

    current_status = Pass.current_status
    is_issued, is_redeemed, is_revoked = Pass.is_issued, Pass.is_redeemed, Pass.is_revoked
    may_be_revoked = Pass.may_be_revoked


def _pass_state(state, today):
    """SQL: passes in ``state`` as their holder sees it (issued past its date: expired)."""
    if state == ISSUED:
        return and_(Pass.status == ISSUED, Pass.expires_on >= today)
    if state == EXPIRED:
        return or_(Pass.status == EXPIRED, and_(Pass.status == ISSUED, Pass.expires_on < today))
    return Pass.status == state


def passes(*, today, volunteer=None, user_id=None, perk_id=None, state=None, page=1,
           per_page=25):
    """Passes, newest first: by the volunteer's name, email or phone (accents and case
    ignored) or account, perk and state, a page at a time, with only what the list shows
    loaded (and counted on the passes' ids, not on every column)."""
    conditions = []
    folded = fold(volunteer)
    if folded:
        conditions.append(User.search_text.contains(folded, autoescape=True))
    if user_id is not None:
        conditions.append(Pass.user_id == user_id)
    if perk_id:
        conditions.append(Pass.perk_id == perk_id)
    if state:
        conditions.append(_pass_state(state, today))
    rows = (select(Pass.id, Pass.user_id, User.name, Pass.perk_id, Partner.name, Pass.status,
                   Pass.issued_at, Pass.expires_on, Pass.redeemed_at, Pass.revoked_reason)
            .join(User, User.id == Pass.user_id).join(Perk, Perk.id == Pass.perk_id)
            .join(Partner, Partner.id == Perk.partner_id).where(*conditions)
            .order_by(Pass.issued_at.desc(), Pass.id.desc()))
    total = select(func.count(Pass.id)).where(*conditions)
    if folded:  # every pass has its holder: the account is read only to search it
        total = total.join(User, User.id == Pass.user_id)
    found = RowsPage(rows=rows, total=total, page=page, per_page=per_page, error_out=False)
    found.items = [PassRow(*row) for row in found.items]
    return found


def perk_choices():
    """(id, title) of every perk, by title, for the passes list's filter."""
    perks = db.session.scalars(select(Perk).options(db.load_only(Perk.id, Perk.titles))).all()
    return sorted(((p.id, p.title) for p in perks), key=lambda item: item[1].casefold())


THANKS_PER_PAGE = 60


def public_thanks(today, page=1, per_page=None):
    """Volunteers who chose to appear, a page at a time (by name): first name, roles,
    months served (never a disabled or erased account). Returns (page, people)."""
    served = select(Commitment.id).where(Commitment.user_id == User.id,
                                         Commitment.status.in_(SERVED_STATES)).exists()
    shown = (User.public_thanks.is_(True), User.is_enabled.is_(True), served)
    query = (select(User).options(db.load_only(User.id, User.name), db.lazyload(User.roles))
             .where(*shown).order_by(User.name, User.id))
    result = RowsPage(items=query, total=select(func.count(User.id)).where(*shown), page=page,
                   per_page=per_page or THANKS_PER_PAGE, error_out=False)
    people = {user.id: {"first_name": user.first_name, "roles": set(), "months": 0}
              for user in result.items}
    if people:
        for commitment in db.session.scalars(select(Commitment).options(db.load_only(
                Commitment.id, Commitment.user_id, Commitment.role, Commitment.status,
                Commitment.start_date, Commitment.end_date, Commitment.ended_on,
                Commitment.min_months)).where(
                Commitment.user_id.in_(list(people)), Commitment.status.in_(SERVED_STATES))):
            entry = people[commitment.user_id]
            entry["roles"].add(commitment.role)
            entry["months"] = max(entry["months"], commitment.months_served(today))
    return result, list(people.values())
