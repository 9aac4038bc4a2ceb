"""What the award publishes, and with whose agreement.

- A citation reaches the public page only as a coordinator reviewed it
  (``Nomination.public_citation``: approved as written, or edited).
- A nominee appears on the public page only if they opted in for that cycle
  (``PublicConsent``); they can withdraw at any time, even after the announcement, and
  the page drops them at once. A winner who did not opt in is not named: the page says
  the winner chose not to be named.
- A shortlisted person who opted in but has no reviewed citation yet is shown with their
  name only, never with an unreviewed text.
"""

from collections import defaultdict
from functools import cache
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import bindparam, select

from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, locked_one, utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import (
    CATEGORY_LABELS,
    CITATION_MAX,
    SHORT_CITATION,
    AwardCategory,
    AwardCycle,
    Decline,
    Nomination,
    PublicConsent,
    Shortlisted,
)
from .services import AwardError, named_account

NOMINATED, SHORTLISTED, WINNER = "nominated", "shortlisted", "winner"


# Citations ---------------------------------------------------------------------------


def review_citation(actor, nomination_id, text):
    """Approve the text of a citation that may be published: as written, or edited."""
    nomination = locked_one(Nomination, nomination_id)
    if nomination is None:
        raise AwardError(_l("This nomination does not exist any more."), status=404)
    if actor.id in (nomination.nominator_id, nomination.nominee_id):
        raise AwardError(_l("Another coordinator reviews a nomination you made or received."))
    text = (text or "").strip()
    if not text:
        raise AwardError(_l("Please give the text to publish."), "public_citation")
    if len(text) > CITATION_MAX:
        raise AwardError(_l("At most %(max)d characters.", max=CITATION_MAX), "public_citation")
    edited = text != nomination.citation.strip()
    nomination.public_citation, nomination.reviewed_at = text, utcnow()
    nomination.reviewed_by_id = actor.id
    record(actor, "nomination.citation_edited" if edited else "nomination.citation_approved",
           nomination, text if edited else None, nominee_id=nomination.nominee_id)
    return nomination


def citations(cycle):
    """(to review, reviewed): the cycle's nominations of people who did not decline and
    whose account is neither disabled nor erased; shortlisted nominees first."""
    declined = select(Decline.user_id).where(Decline.cycle_id == cycle.id)
    rows = db.session.scalars(
        select(Nomination).options(db.joinedload(Nomination.nominee).lazyload(User.roles),
                                   db.joinedload(Nomination.category))
        .join(User, User.id == Nomination.nominee_id)
        .where(Nomination.cycle_id == cycle.id, named_account(),
               ~Nomination.nominee_id.in_(declined))
        .order_by(Nomination.created_at, Nomination.id)).all()
    shortlisted = shortlisted_pairs(cycle)
    for row in rows:
        row.shortlisted = (row.category_id, row.nominee_id) in shortlisted
    rows.sort(key=lambda n: not n.shortlisted)
    return [n for n in rows if not n.is_reviewed], [n for n in rows if n.is_reviewed]


def waiting_counts():
    """Per cycle id, how many citations wait for a review (as ``citations`` counts them)."""
    declined = select(Decline.user_id).where(Decline.cycle_id == Nomination.cycle_id)
    return dict(db.session.execute(
        select(Nomination.cycle_id, db.func.count(Nomination.id))
        .join(User, User.id == Nomination.nominee_id)
        .where(Nomination.public_citation.is_(None), named_account(),
               ~Nomination.nominee_id.in_(declined))
        .group_by(Nomination.cycle_id)).all())


def shortlisted_pairs(cycle):
    return set(db.session.execute(select(Shortlisted.category_id, Shortlisted.nominee_id)
                                  .join(AwardCategory)
                                  .where(AwardCategory.cycle_id == cycle.id)).tuples())


def short(text):
    """The public page's shortened citation."""
    return text if len(text) <= SHORT_CITATION else text[:SHORT_CITATION - 3].rstrip() + "…"


# The nominee's agreement -------------------------------------------------------------


def set_public_consent(user, cycle_id, agree):
    """``user`` agrees to appear on the cycle's public page, or withdraws (at any time;
    withdrawing twice, or without having agreed, changes nothing)."""
    cycle = db.session.get(AwardCycle, cycle_id)
    if cycle is None:
        raise AwardError(_l("This award cycle does not exist."), status=404)
    if agree:
        if not db.session.scalar(select(Nomination.id).where(
                Nomination.cycle_id == cycle.id, Nomination.nominee_id == user.id).limit(1)):
            raise AwardError(_l("Only people nominated this year choose this."))
        if db.session.scalar(select(Decline.id).where(Decline.cycle_id == cycle.id,
                                                      Decline.user_id == user.id)):
            raise AwardError(_l("You asked not to be considered this year."))
        if add_once(PublicConsent(cycle_id=cycle.id, user_id=user.id)):
            record(user, "award.public_consent_given", cycle)
        return True
    withdrawn = db.session.execute(db.delete(PublicConsent).where(
        PublicConsent.cycle_id == cycle.id, PublicConsent.user_id == user.id)).rowcount
    if withdrawn:
        record(user, "award.public_consent_withdrawn", cycle)
    return False


def consented(cycle):
    """Ids of the people who agreed to appear on the cycle's page (and may be named)."""
    declined = select(Decline.user_id).where(Decline.cycle_id == cycle.id)
    return set(db.session.scalars(
        select(PublicConsent.user_id).join(User, User.id == PublicConsent.user_id)
        .where(PublicConsent.cycle_id == cycle.id, named_account(),
               ~PublicConsent.user_id.in_(declined))))


# What each person sees on /awards ----------------------------------------------------


@cache
def _statements():
    """The statements of the award page about one person, built once (the person is a
    bound parameter): building and keying them again for each page view cost more than
    running them."""
    user_id = bindparam("user_id")

    def about_user(model, *conditions):
        return select(model.id).where(*conditions).exists()

    nominated = about_user(Nomination, Nomination.cycle_id == AwardCycle.id,
                           Nomination.nominee_id == user_id)
    listed = select(AwardCategory.id).join(Shortlisted).where(
        AwardCategory.cycle_id == AwardCycle.id, Shortlisted.nominee_id == user_id).exists()
    declined = about_user(Decline, Decline.cycle_id == AwardCycle.id,
                          Decline.user_id == user_id)
    agreed = about_user(PublicConsent, PublicConsent.cycle_id == AwardCycle.id,
                        PublicConsent.user_id == user_id)
    return SimpleNamespace(
        # Every cycle (one a year): the current one is among them.
        cycles=select(AwardCycle, nominated, listed, declined, agreed)
        .options(db.joinedload(AwardCycle.categories))
        .order_by(AwardCycle.year.desc()),
        given=select(AwardCycle.year, AwardCategory.code, User.name, Nomination.citation,
                     Nomination.public_citation, Nomination.locale)
        .join(AwardCategory, AwardCategory.id == Nomination.category_id)
        .join(AwardCycle, AwardCycle.id == AwardCategory.cycle_id)
        .join(User, User.id == Nomination.nominee_id)
        .where(Nomination.nominator_id == user_id)
        .order_by(AwardCycle.year.desc(), Nomination.id),
    )


def overview(user):
    """``(current, received, past)``: the current cycle (the latest not yet announced, as
    ``services.current_cycle``; None between cycles), the cycles in which ``user`` was
    nominated, as they see them (every cycle not yet announced, and announced ones where
    they were shortlisted: only those can put them on a public page), and every announced
    cycle, latest first.

    Each received entry has a status: nominated (the shortlist stays internal until the
    announcement), shortlisted or winner; declined; agreed to appear. One query however
    many years: each cycle with its categories and what this person did in it.
    """
    user_id = user.id
    rows = db.session.execute(_statements().cycles, {"user_id": user_id}).unique().all()
    current = next((row[0] for row in rows if not row[0].is_announced), None)
    entries = []
    for cycle, was_nominated, was_listed, has_declined, has_agreed in rows:
        if not was_nominated or (cycle.is_announced and not was_listed):
            continue
        won = [c.label for c in cycle.categories if c.winner_id == user_id]
        status = (NOMINATED if not cycle.is_announced else WINNER if won else SHORTLISTED)
        entries.append({"cycle": cycle, "status": status, "won": won,
                        "declined": bool(has_declined), "public": bool(has_agreed)})
    return current, entries, [row[0] for row in rows if row[0].is_announced]


class Given(NamedTuple):
    """A nomination someone made, as their award page shows it."""

    year: int
    code: str  # the category's
    nominee_name: str
    citation: str
    public_citation: str | None
    locale: str | None

    @property
    def label(self):
        """The category's name (as ``AwardCategory.label``)."""
        return CATEGORY_LABELS.get(self.code, self.code)

    @property
    def is_reviewed(self):
        return self.public_citation is not None

    @property
    def edited(self):
        """The reviewed text is not what they wrote."""
        return self.is_reviewed and self.public_citation != self.citation.strip()


def given(user):
    """The nominations ``user`` made (as ``Given``), latest cycle first."""
    return [Given(*row) for row in db.session.execute(_statements().given,
                                                      {"user_id": user.id})]


# The public page ---------------------------------------------------------------------


def public_results(cycle):
    """Per category: (category, people shown, whether its winner is left unnamed).

    Shown: shortlisted nominees (winner first) who agreed to appear, did not decline and
    whose account is neither disabled nor erased; each with the first reviewed citation
    about them in that category, shortened (no citation while none is reviewed)."""
    shown = consented(cycle)
    entries = db.session.scalars(
        select(Shortlisted).options(db.joinedload(Shortlisted.nominee))
        .join(AwardCategory).where(AwardCategory.cycle_id == cycle.id)
        .order_by(Shortlisted.id)).all()
    texts = {}
    for category_id, nominee_id, text in db.session.execute(
            select(Nomination.category_id, Nomination.nominee_id, Nomination.public_citation)
            .where(Nomination.cycle_id == cycle.id, Nomination.public_citation.is_not(None))
            .order_by(Nomination.id)):
        texts.setdefault((category_id, nominee_id), text)
    winners = {category.id: category.winner_id for category in cycle.categories}
    people = defaultdict(list)
    for entry in entries:
        if entry.nominee_id in shown:
            text = texts.get((entry.category_id, entry.nominee_id))
            people[entry.category_id].append({
                "name": entry.nominee.name, "citation": short(text) if text else None,
                "winner": entry.nominee_id == winners[entry.category_id]})
    results = []
    for category in cycle.categories:
        listed = sorted(people[category.id], key=lambda p: (not p["winner"], p["name"]))
        unnamed = category.winner_id is not None and category.winner_id not in shown
        results.append((category, listed, unnamed))
    return results
